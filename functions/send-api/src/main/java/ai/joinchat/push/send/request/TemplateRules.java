package ai.joinchat.push.send.request;

import java.util.List;

/**
 * The rules of the {@code text}, {@code button}, {@code generic} and {@code list} message
 * types (Messenger's current limits, counted in Unicode code points).
 */
final class TemplateRules {

    static final int TEXT_MAX = 2000;
    static final int BUTTON_TEXT_MAX = 640;
    static final int ELEMENT_TITLE_MAX = 80;
    static final int ELEMENT_SUBTITLE_MAX = 80;

    static final String LIST_REMOVED_WARNING = "the list template was removed by Messenger in 2019;"
            + " the message is delivered as a generic template carousel";

    private static final List<String> IMAGE_ASPECT_RATIOS = List.of("horizontal", "square");
    private static final List<String> TOP_ELEMENT_STYLES = List.of("compact", "large");

    private final ButtonRules buttons;

    TemplateRules(ButtonRules buttons) {
        this.buttons = buttons;
    }

    void text(ObjectFields message) {
        message.requiredText("text", 1, TEXT_MAX);
    }

    void button(ObjectFields message) {
        message.requiredText("text", 1, BUTTON_TEXT_MAX);
        buttons.requiredButtons(message, 1, 3);
        message.optionalBoolean("sharable");
    }

    void generic(ObjectFields message) {
        message.optionalChoice("image_aspect_ratio", IMAGE_ASPECT_RATIOS);
        message.optionalBoolean("sharable");
        message.requiredArray("elements", 1, 10, "elements").ifPresent(elements -> {
            for (ObjectFields element : message.objectsIn("elements", elements)) {
                elementCommon(element, 3);
                boolean hasMoreThanTitle = element.get("subtitle").filter(s -> !s.asText().isEmpty()).isPresent()
                        || element.has("image_url")
                        || element.has("default_action")
                        || element.get("buttons").filter(b -> !b.isEmpty()).isPresent();
                if (!hasMoreThanTitle) {
                    element.findings().violation(element.path(),
                            "needs at least one of subtitle, image_url, default_action or buttons besides title");
                }
            }
        });
    }

    void list(ObjectFields message) {
        message.optionalBoolean("sharable");
        message.optionalChoice("top_element_style", TOP_ELEMENT_STYLES);
        buttons.optionalButtons(message, 1);
        message.requiredArray("elements", 2, 4, "elements").ifPresent(elements -> {
            for (ObjectFields element : message.objectsIn("elements", elements)) {
                elementCommon(element, 1);
                boolean hasSubtitle = element.get("subtitle").filter(s -> !s.asText().isEmpty()).isPresent();
                if (!hasSubtitle && !element.has("image_url")) {
                    element.findings().violation(element.path(), "needs image_url or subtitle");
                }
            }
        });
        Findings findings = message.findings();
        findings.warning(LIST_REMOVED_WARNING);
        boolean hasListButtons = message.get("buttons").filter(b -> !b.isEmpty()).isPresent();
        boolean hasTopStyle = message.has("top_element_style");
        if (hasListButtons || hasTopStyle) {
            String dropped = hasListButtons && hasTopStyle ? "message.buttons and message.top_element_style are"
                    : hasListButtons ? "message.buttons is" : "message.top_element_style is";
            findings.warning(dropped + " dropped: the generic template has no list-level buttons"
                    + " or top element style");
        }
    }

    /** What generic and list elements share: title, subtitle, image_url, default_action, buttons. */
    private void elementCommon(ObjectFields element, int maxButtons) {
        element.requiredText("title", 1, ELEMENT_TITLE_MAX);
        element.optionalText("subtitle", ELEMENT_SUBTITLE_MAX);
        element.optionalHttpUrl("image_url");
        buttons.optionalDefaultAction(element);
        buttons.optionalButtons(element, maxButtons);
    }
}
