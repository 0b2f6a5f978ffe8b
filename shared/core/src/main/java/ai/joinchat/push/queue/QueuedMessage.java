package ai.joinchat.push.queue;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The SQS message body the send API writes and the worker reads (versioned JSON): the accepted,
 * normalised request with the messaging type and tag already decided by the tag policy.
 */
public record QueuedMessage(
        String messageId,
        String pageId,
        String recipientType,
        String recipientValue,
        String templateType,
        JsonNode message,
        String messagingType,
        String tag,
        List<String> warnings,
        String acceptedAt) {

    public static final int VERSION = 1;

    public QueuedMessage {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    public String toJson() {
        ObjectNode node = Json.object();
        node.put("v", VERSION);
        node.put("message_id", messageId);
        node.put("page_id", pageId);
        node.putObject("recipient").put("type", recipientType).put("value", recipientValue);
        node.put("template_type", templateType);
        node.set("message", message);
        node.put("messaging_type", messagingType);
        if (tag != null) {
            node.put("tag", tag);
        }
        ArrayNode w = node.putArray("warnings");
        warnings.forEach(w::add);
        node.put("accepted_at", acceptedAt);
        return Json.write(node);
    }

    /** @throws IllegalArgumentException when the body is not a message this version understands */
    public static QueuedMessage fromJson(String body) {
        JsonNode node = Json.parse(body);
        String messageId = Json.text(node, "message_id");
        String pageId = Json.text(node, "page_id");
        JsonNode recipient = node.path("recipient");
        if (messageId == null || pageId == null || !recipient.isObject() || !node.path("message").isObject()) {
            throw new IllegalArgumentException("not a queued message");
        }
        List<String> warnings = new ArrayList<>();
        node.path("warnings").forEach(w -> warnings.add(w.asText()));
        return new QueuedMessage(messageId, pageId, Json.text(recipient, "type"), Json.text(recipient, "value"),
                Json.text(node, "template_type"), node.get("message"), Json.text(node, "messaging_type"),
                Json.text(node, "tag"), warnings, Json.text(node, "accepted_at"));
    }
}
