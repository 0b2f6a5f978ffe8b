package ai.joinchat.push.store;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/** The delivery record of one accepted message, as {@code POST /api/message_status} reports it. */
public record MessageRecord(
        String messageId,
        String pageId,
        String recipientType,
        String recipientValue,
        String templateType,
        MessageStatus status,
        int attempts,
        Instant createdAt,
        Instant updatedAt,
        String facebookMessageId,
        String psid,
        DeliveryError error,
        List<String> warnings,
        Instant echoedAt,
        Instant deliveredAt,
        Instant readAt) {

    public MessageRecord {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** A fresh record of a message that SQS is about to accept. */
    public static MessageRecord queued(String messageId, String pageId, String recipientType, String recipientValue,
                                       String templateType, List<String> warnings, Instant now) {
        return new MessageRecord(messageId, pageId, recipientType, recipientValue, templateType,
                MessageStatus.QUEUED, 0, now, now, null, null, null, warnings, null, null, null);
    }

    /** The contract's section 4 response body. */
    public ObjectNode toStatusJson() {
        ObjectNode node = Json.object();
        node.put("message_id", messageId);
        node.put("status", status.wireName());
        ObjectNode recipient = node.putObject("recipient");
        recipient.put(recipientType, recipientValue);
        if (psid != null && !"id".equals(recipientType)) {
            recipient.put("psid", psid);
        }
        node.put("attempts", attempts);
        node.put("created_at", createdAt.toString());
        node.put("updated_at", updatedAt.toString());
        if (facebookMessageId != null) {
            node.put("facebook_message_id", facebookMessageId);
        }
        if (error != null) {
            ObjectNode e = node.putObject("error");
            // One type for clients: code is always a string (ours, or Graph's number as text);
            // Graph's number is also in graph_code, present only for Graph errors.
            e.put("code", error.code());
            if (error.code() != null && error.code().matches("\\d{1,9}")) {
                e.put("graph_code", Integer.parseInt(error.code()));
            }
            if (error.subcode() == null) {
                e.putNull("subcode");
            } else {
                e.put("subcode", error.subcode());
            }
            e.put("message", error.message());
            e.put("retryable", error.retryable());
        }
        node.put("echoed", echoedAt != null);
        if (echoedAt != null) {
            node.put("echoed_at", echoedAt.toString());
        }
        if (deliveredAt != null) {
            node.put("delivered_at", deliveredAt.toString());
        }
        if (readAt != null) {
            node.put("read_at", readAt.toString());
        }
        ArrayNode w = node.putArray("warnings");
        warnings.forEach(w::add);
        return node;
    }
}
