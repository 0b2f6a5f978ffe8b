package ai.joinchat.push.send.request;

import ai.joinchat.push.request.PhoneNumberNormalizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Optional;

/**
 * Messenger's button rules ({@code web_url}, {@code postback}, {@code phone_number}) and the
 * {@code default_action} of template elements. Normalises the validated copy in place: an
 * object or array postback payload becomes its compact JSON string, a phone_number payload
 * becomes {@code +} and digits.
 */
final class ButtonRules {

    static final int TITLE_MAX = 20;
    static final int PAYLOAD_MAX = 1000;

    private static final List<String> BUTTON_TYPES = List.of("web_url", "postback", "phone_number");
    private static final List<String> WEBVIEW_HEIGHT_RATIOS = List.of("compact", "tall", "full");

    private final PhoneNumberNormalizer phoneNumbers;

    ButtonRules(PhoneNumberNormalizer phoneNumbers) {
        this.phoneNumbers = phoneNumbers;
    }

    /** A required {@code buttons} array of {@code min}-{@code max} buttons on {@code owner}. */
    void requiredButtons(ObjectFields owner, int min, int max) {
        owner.requiredArray("buttons", min, max, "buttons")
                .ifPresent(buttons -> eachButton(owner, buttons));
    }

    /** An optional {@code buttons} array of at most {@code max} buttons on {@code owner}. */
    void optionalButtons(ObjectFields owner, int max) {
        owner.optionalArray("buttons", max, "buttons")
                .ifPresent(buttons -> eachButton(owner, buttons));
    }

    private void eachButton(ObjectFields owner, ArrayNode buttons) {
        owner.objectsIn("buttons", buttons).forEach(this::button);
    }

    void button(ObjectFields button) {
        Optional<String> type = button.requiredChoice("type", BUTTON_TYPES);
        if (type.isEmpty()) {
            return;
        }
        switch (type.get()) {
            case "web_url":
                webUrl(button);
                break;
            case "postback":
                postback(button);
                break;
            case "phone_number":
                phoneNumber(button);
                break;
            default:
                throw new IllegalStateException("unhandled button type " + type.get());
        }
    }

    private void webUrl(ObjectFields button) {
        button.requiredText("title", 1, TITLE_MAX);
        urlTarget(button);
    }

    private void postback(ObjectFields button) {
        button.requiredText("title", 1, TITLE_MAX);
        Optional<JsonNode> payload = button.get("payload");
        if (payload.isEmpty()) {
            button.violation("payload", "is required");
            return;
        }
        JsonNode value = payload.get();
        if (value.isContainerNode()) {
            String serialised = value.toString();
            button.node().put("payload", serialised);
            button.checkLength(button.path("payload"), serialised, 1, PAYLOAD_MAX);
        } else if (value.isTextual()) {
            button.checkLength(button.path("payload"), value.textValue(), 1, PAYLOAD_MAX);
        } else {
            button.violation("payload", "must be a string or a JSON object");
        }
    }

    private void phoneNumber(ObjectFields button) {
        button.requiredText("title", 1, TITLE_MAX);
        Optional<JsonNode> payload = button.get("payload");
        if (payload.isEmpty()) {
            button.violation("payload", "is required: the phone number to call");
            return;
        }
        Optional<String> normalised = payload.get().isTextual()
                ? phoneNumbers.normalize(payload.get().textValue())
                : Optional.empty();
        if (normalised.isPresent()) {
            button.node().put("payload", normalised.get());
        } else {
            button.violation("payload", RecipientRules.PHONE_RULE);
        }
    }

    /** The optional {@code default_action} of a generic or list element. */
    void optionalDefaultAction(ObjectFields element) {
        element.optionalObject("default_action").ifPresent(action -> {
            Optional<JsonNode> type = action.get("type");
            if (type.isEmpty()) {
                action.violation("type", "is required; must be web_url");
            } else if (!type.get().isTextual() || !"web_url".equals(type.get().textValue())) {
                action.violation("type", "must be web_url");
            }
            action.forbidden("title", "is not allowed in default_action");
            urlTarget(action);
        });
    }

    /** The fields shared by a web_url button and a default_action. */
    private static void urlTarget(ObjectFields target) {
        target.requiredHttpUrl("url");
        target.optionalChoice("webview_height_ratio", WEBVIEW_HEIGHT_RATIOS);
        target.optionalBoolean("messenger_extensions");
        target.optionalHttpUrl("fallback_url");
    }
}
