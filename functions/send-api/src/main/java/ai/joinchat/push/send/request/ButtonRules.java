package ai.joinchat.push.send.request;

import ai.joinchat.push.message.Button;
import ai.joinchat.push.message.OutboundMessage.UrlTarget;
import ai.joinchat.push.request.PhoneNumberNormalizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Messenger's button rules ({@code web_url}, {@code postback}, {@code phone_number}) and the
 * {@code default_action} of template elements. An object or array postback payload becomes its
 * compact JSON string (JSON null fields left out), a phone_number payload {@code +} and digits.
 */
record ButtonRules(PhoneNumberNormalizer phoneNumbers) {

    static final int TITLE_MAX = 20;
    static final int PAYLOAD_MAX = 1000;

    private static final List<String> BUTTON_TYPES = List.of("web_url", "postback", "phone_number");
    private static final List<String> WEBVIEW_HEIGHT_RATIOS = List.of("compact", "tall", "full");

    /** A required {@code buttons} array of {@code min}-{@code max} buttons on {@code owner}. */
    List<Button> requiredButtons(ObjectFields owner, int min, int max) {
        return owner.requiredArray("buttons", min, max, "buttons", this::button);
    }

    /** An optional {@code buttons} array of at most {@code max} buttons on {@code owner}. */
    List<Button> optionalButtons(ObjectFields owner, int max) {
        return owner.optionalArray("buttons", max, "buttons", this::button);
    }

    private Button button(ObjectFields button) {
        String type = button.requiredChoice("type", BUTTON_TYPES);
        if (type == null) {
            return null;
        }
        String title = button.requiredText("title", 1, TITLE_MAX);
        return switch (type) {
            case "web_url" -> new Button.WebUrl(title, urlTarget(button));
            case "postback" -> new Button.Postback(title, postbackPayload(button));
            default -> new Button.PhoneNumber(title, phoneNumber(button));
        };
    }

    private static String postbackPayload(ObjectFields button) {
        JsonNode value = button.get("payload");
        if (value == null) {
            button.violation("payload", "is required");
            return null;
        }
        String payload = value.isContainerNode() ? withoutNulls(value.deepCopy()).toString()
                : value.isTextual() ? value.textValue() : null;
        if (payload == null) {
            button.violation("payload", "must be a string or a JSON object");
            return null;
        }
        return button.checkLength(button.path("payload"), payload, 1, PAYLOAD_MAX) ? payload : null;
    }

    /** A field holding JSON null means "absent", at every depth of a payload too. */
    private static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ((ObjectNode) node).removeIf(JsonNode::isNull);
        }
        node.forEach(ButtonRules::withoutNulls);
        return node;
    }

    private String phoneNumber(ObjectFields button) {
        JsonNode payload = button.get("payload");
        if (payload == null) {
            button.violation("payload", "is required: the phone number to call");
            return null;
        }
        String normalised = payload.isTextual() ? phoneNumbers.normalize(payload.textValue()).orElse(null) : null;
        if (normalised == null) {
            button.violation("payload", RecipientRules.PHONE_RULE);
        }
        return normalised;
    }

    /** The optional {@code default_action} of a generic or list element. */
    UrlTarget optionalDefaultAction(ObjectFields element) {
        ObjectFields action = element.optionalObject("default_action");
        if (action == null) {
            return null;
        }
        JsonNode type = action.get("type");
        if (type == null) {
            action.violation("type", "is required; must be web_url");
        } else if (!type.isTextual() || !"web_url".equals(type.textValue())) {
            action.violation("type", "must be web_url");
        }
        action.forbidden("title", "is not allowed in default_action");
        return urlTarget(action);
    }

    /** The fields shared by a web_url button and a default_action. */
    private static UrlTarget urlTarget(ObjectFields target) {
        return new UrlTarget(target.requiredHttpUrl("url"),
                target.optionalChoice("webview_height_ratio", WEBVIEW_HEIGHT_RATIOS),
                target.optionalBoolean("messenger_extensions"), target.optionalHttpUrl("fallback_url"));
    }
}
