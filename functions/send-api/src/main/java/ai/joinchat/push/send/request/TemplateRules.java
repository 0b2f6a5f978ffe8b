package ai.joinchat.push.send.request;

import ai.joinchat.push.message.Button;
import ai.joinchat.push.message.ButtonTemplate;
import ai.joinchat.push.message.Element;
import ai.joinchat.push.message.GenericTemplate;
import ai.joinchat.push.message.ListTemplate;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.QuickReply;
import ai.joinchat.push.message.TextMessage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Function;

/**
 * The rules of the {@code text}, {@code button}, {@code generic} and {@code list} message
 * types (Messenger's current limits, counted in Unicode code points). Each reads its template
 * and answers how to build it once the quick replies, read after it, are known.
 */
record TemplateRules(ButtonRules buttons) {

    static final int TEXT_MAX = 2000;
    static final int BUTTON_TEXT_MAX = 640;
    static final int ELEMENT_TITLE_MAX = 80;
    static final int ELEMENT_SUBTITLE_MAX = 80;

    static final String LIST_REMOVED_WARNING = "the list template was removed by Messenger in 2019;"
            + " the message is delivered as a generic template carousel";

    private static final List<String> IMAGE_ASPECT_RATIOS = List.of("horizontal", "square");
    private static final List<String> TOP_ELEMENT_STYLES = List.of("compact", "large");

    Function<List<QuickReply>, OutboundMessage> text(ObjectFields message) {
        String text = message.requiredText("text", 1, TEXT_MAX);
        return quickReplies -> new TextMessage(text, quickReplies);
    }

    Function<List<QuickReply>, OutboundMessage> button(ObjectFields message) {
        String text = message.requiredText("text", 1, BUTTON_TEXT_MAX);
        List<Button> list = buttons.requiredButtons(message, 1, 3);
        Boolean sharable = message.optionalBoolean("sharable");
        return quickReplies -> new ButtonTemplate(text, list, sharable, quickReplies);
    }

    Function<List<QuickReply>, OutboundMessage> generic(ObjectFields message) {
        String imageAspectRatio = message.optionalChoice("image_aspect_ratio", IMAGE_ASPECT_RATIOS);
        Boolean sharable = message.optionalBoolean("sharable");
        List<Element> elements = message.requiredArray("elements", 1, 10, "elements", element -> {
            Element read = element(element, 3);
            if (!hasSubtitle(element) && !element.has("image_url") && !element.has("default_action")
                    && !has(element.get("buttons"))) {
                element.findings().violation(element.path(),
                        "needs at least one of subtitle, image_url, default_action or buttons besides title");
            }
            return read;
        });
        return quickReplies -> new GenericTemplate(elements, imageAspectRatio, sharable, quickReplies);
    }

    Function<List<QuickReply>, OutboundMessage> list(ObjectFields message) {
        Boolean sharable = message.optionalBoolean("sharable");
        message.optionalChoice("top_element_style", TOP_ELEMENT_STYLES);
        buttons.optionalButtons(message, 1);
        List<Element> elements = message.requiredArray("elements", 2, 4, "elements", element -> {
            Element read = element(element, 1);
            if (!hasSubtitle(element) && !element.has("image_url")) {
                element.findings().violation(element.path(), "needs image_url or subtitle");
            }
            return read;
        });
        message.findings().warning(LIST_REMOVED_WARNING);
        boolean hasListButtons = has(message.get("buttons"));
        boolean hasTopStyle = message.has("top_element_style");
        if (hasListButtons || hasTopStyle) {
            String dropped = hasListButtons && hasTopStyle ? "message.buttons and message.top_element_style are"
                    : hasListButtons ? "message.buttons is" : "message.top_element_style is";
            message.findings().warning(dropped + " dropped: the generic template has no list-level buttons"
                    + " or top element style");
        }
        return quickReplies -> new ListTemplate(elements, sharable, quickReplies);
    }

    /** What generic and list elements share: title, subtitle, image_url, default_action, buttons. */
    private Element element(ObjectFields element, int maxButtons) {
        return new Element(element.requiredText("title", 1, ELEMENT_TITLE_MAX),
                element.optionalText("subtitle", ELEMENT_SUBTITLE_MAX), element.optionalHttpUrl("image_url"),
                buttons.optionalDefaultAction(element), buttons.optionalButtons(element, maxButtons));
    }

    private static boolean hasSubtitle(ObjectFields element) {
        JsonNode subtitle = element.get("subtitle");
        return subtitle != null && !subtitle.asText().isEmpty();
    }

    private static boolean has(JsonNode array) {
        return array != null && !array.isEmpty();
    }
}
