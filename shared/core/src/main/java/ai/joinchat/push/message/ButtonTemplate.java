package ai.joinchat.push.message;

import java.util.List;

/** {@code button}: a text with one to three buttons; {@code sharable} is null when absent. */
public record ButtonTemplate(String text, List<Button> buttons, Boolean sharable, List<QuickReply> quickReplies)
        implements OutboundMessage {

    public ButtonTemplate {
        buttons = List.copyOf(buttons);
        quickReplies = List.copyOf(quickReplies);
    }
}
