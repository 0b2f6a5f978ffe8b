package ai.joinchat.push.send.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * {@code message.quick_replies}: at most 13; {@code text} replies need a title (1-20) and a
 * payload (1-1000; a number is kept as its string), {@code user_phone_number} and
 * {@code user_email} need nothing else. An empty array is dropped from the validated copy.
 */
final class QuickReplyRules {

    static final int MAX_QUICK_REPLIES = 13;

    private static final List<String> CONTENT_TYPES = List.of("text", "user_phone_number", "user_email");

    void validate(ObjectFields message) {
        message.optionalArray("quick_replies", MAX_QUICK_REPLIES, "quick replies").ifPresent(replies -> {
            if (replies.isEmpty()) {
                message.node().remove("quick_replies");
                return;
            }
            message.objectsIn("quick_replies", replies).forEach(QuickReplyRules::quickReply);
        });
    }

    private static void quickReply(ObjectFields reply) {
        Optional<String> contentType = reply.requiredChoice("content_type", CONTENT_TYPES);
        if (contentType.isEmpty() || !contentType.get().equals("text")) {
            return;
        }
        reply.requiredText("title", 1, ButtonRules.TITLE_MAX);
        reply.optionalHttpUrl("image_url");
        Optional<JsonNode> payload = reply.get("payload");
        if (payload.isEmpty()) {
            reply.violation("payload", "is required for a text quick reply");
        } else if (payload.get().isNumber()) {
            String asText = payload.get().asText();
            reply.node().put("payload", asText);
            reply.checkLength(reply.path("payload"), asText, 1, ButtonRules.PAYLOAD_MAX);
        } else if (payload.get().isTextual()) {
            reply.checkLength(reply.path("payload"), payload.get().textValue(), 1, ButtonRules.PAYLOAD_MAX);
        } else {
            reply.violation("payload", "must be a string");
        }
    }
}
