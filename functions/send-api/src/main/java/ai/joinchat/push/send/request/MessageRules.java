package ai.joinchat.push.send.request;

import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.QuickReply;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Function;

/**
 * {@code message}: a required object whose {@code template_type} selects the rules, plus the
 * optional {@code quick_replies} allowed on every type: at most 13; {@code text} replies need a
 * title (1-20) and a payload (1-1000; a number is kept as its string), {@code user_phone_number}
 * and {@code user_email} nothing else.
 */
record MessageRules(TemplateRules templates) {

    static final List<String> TEMPLATE_TYPES = List.of("text", "button", "generic", "list", "receipt");
    static final int MAX_QUICK_REPLIES = 13;

    private static final List<String> CONTENT_TYPES = List.of("text", "user_phone_number", "user_email");

    /** The message, or null when it is absent or not an object (reported). */
    OutboundMessage validate(ObjectFields body) {
        JsonNode node = body.get("message");
        if (node == null || !node.isObject()) {
            body.violation("message", node == null ? "is required: an object with a template_type"
                    : "must be an object with a template_type");
            return null;
        }
        ObjectFields message = new ObjectFields(node, body.path("message"), body.findings());
        String type = message.requiredChoice("template_type", TEMPLATE_TYPES);
        Function<List<QuickReply>, OutboundMessage> template = type == null ? null : switch (type) {
            case "text" -> templates.text(message);
            case "button" -> templates.button(message);
            case "generic" -> templates.generic(message);
            case "list" -> templates.list(message);
            default -> ReceiptRules.receipt(message);
        };
        List<QuickReply> quickReplies = message.optionalArray("quick_replies", MAX_QUICK_REPLIES, "quick replies",
                MessageRules::quickReply);
        return template == null ? null : template.apply(quickReplies);
    }

    private static QuickReply quickReply(ObjectFields reply) {
        String contentType = reply.requiredChoice("content_type", CONTENT_TYPES);
        if (contentType == null || !contentType.equals("text")) {
            return contentType == null ? null
                    : contentType.equals("user_email") ? new QuickReply.UserEmail() : new QuickReply.UserPhoneNumber();
        }
        String title = reply.requiredText("title", 1, ButtonRules.TITLE_MAX);
        String imageUrl = reply.optionalHttpUrl("image_url");
        JsonNode payload = reply.get("payload");
        String text = payload == null ? null : payload.isNumber() ? payload.asText()
                : payload.isTextual() ? payload.textValue() : null;
        if (text == null) {
            reply.violation("payload", payload == null ? "is required for a text quick reply" : "must be a string");
        } else if (!reply.checkLength(reply.path("payload"), text, 1, ButtonRules.PAYLOAD_MAX)) {
            text = null;
        }
        return new QuickReply.Text(title, text, imageUrl);
    }
}
