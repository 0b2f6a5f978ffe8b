package ai.joinchat.push.message;

import java.util.List;

/** An element of a generic or list template; {@code subtitle}, {@code imageUrl} and {@code defaultAction} may be null. */
public record Element(String title, String subtitle, String imageUrl, UrlTarget defaultAction, List<Button> buttons) {

    public Element {
        buttons = List.copyOf(buttons);
    }
}
