package ai.joinchat.push.callbacks;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.secrets.CallbackSettings;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.store.Lifecycle;
import ai.joinchat.push.store.MessageItem;
import ai.joinchat.push.store.MessageRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * One callback event (contract section 8). Its {@code webhook-id} hashes what the stream record says
 * (table, key, status and attempts, or PSID and binding time): a redelivered record, or a second
 * receipt that changes nothing, makes the same event or none; a message resent on purpose that
 * reaches a status again has more attempts, so a new id.
 */
record CallbackEvent(String id, String pageId, String type, Instant timestamp, JsonNode data) {

    /** The event a stream record announces: a message's new status, or a contact's new PSID; empty for none. */
    static Optional<CallbackEvent> fromStream(JsonNode record) {
        JsonNode stream = record.path("dynamodb");
        Map<String, AttributeValue> now = item(stream.path("NewImage"));
        Map<String, AttributeValue> before = item(stream.path("OldImage"));
        return stream.path("Keys").has("contact") ? bound(now, before) : statusChanged(now, before);
    }

    private static Optional<CallbackEvent> statusChanged(Map<String, AttributeValue> now, Map<String, AttributeValue> before) {
        String status = MessageItem.str(now, MessageItem.STATUS);
        if (status == null || status.equals(MessageItem.str(before, MessageItem.STATUS))) {
            return Optional.empty();
        }
        MessageRecord message = MessageItem.toRecord(now);
        Lifecycle.Event event = Lifecycle.Event.on(message.status());
        if (event == Lifecycle.Event.NONE || message.recipient() == null || message.pageId() == null) {
            return Optional.empty();
        }
        ObjectNode data = Json.object().put("page_id", message.pageId()).put("message_id", message.messageId())
                .put("status", status);
        ObjectNode recipient = data.putObject("recipient").put(message.recipient().type().wireName(),
                message.recipient().value());
        if (message.psid() != null) {
            recipient.put("psid", message.psid());
        }
        if (message.facebookMessageId() != null) {
            data.put("facebook_message_id", message.facebookMessageId());
        }
        data.put("attempts", message.attempts());
        if (message.error() != null) {
            message.error().writeTo(data.putObject("error"));
        }
        Instant at = message.updatedAt() == null ? Instant.EPOCH : message.updatedAt();
        return Optional.of(new CallbackEvent(id("messages", message.messageId(), status,
                Integer.toString(message.attempts())), message.pageId(),
                event.type, at, data));
    }

    private static Optional<CallbackEvent> bound(Map<String, AttributeValue> now, Map<String, AttributeValue> before) {
        String psid = MessageItem.str(now, "psid");
        String contact = MessageItem.str(now, "contact");
        String page = MessageItem.str(now, "page_id");
        Long boundAt = MessageItem.number(now, "bound_at");
        if (psid == null || contact == null || page == null || boundAt == null || contact.indexOf(':') < 1
                || psid.equals(MessageItem.str(before, "psid"))) {
            return Optional.empty();
        }
        ObjectNode data = Json.object().put("page_id", page).put("psid", psid)
                .put("kind", contact.substring(0, contact.indexOf(':')))
                .put("value", contact.substring(contact.indexOf(':') + 1))
                .put("source", Objects.requireNonNullElse(MessageItem.str(now, "source"), "unknown"));
        return Optional.of(new CallbackEvent(id("bindings", page, contact, psid, boundAt.toString()), page,
                CallbackSettings.CONTACT_BOUND, Instant.ofEpochMilli(boundAt), data));
    }

    byte[] body() {
        ObjectNode body = Json.object().put("type", type).put("timestamp", timestamp.toString());
        body.set("data", data);
        return Json.writeBytes(body);
    }

    private static String id(String... parts) {
        return "evt_" + Sha256.hex(String.join("\n", parts).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    /** A stream image (DynamoDB's typed JSON) as the SDK's attribute values. */
    static Map<String, AttributeValue> item(JsonNode image) {
        Map<String, AttributeValue> item = new HashMap<>();
        image.fields().forEachRemaining(field -> item.put(field.getKey(), value(field.getValue())));
        return item;
    }

    private static AttributeValue value(JsonNode typed) {
        Map.Entry<String, JsonNode> only = typed.fields().next();
        JsonNode v = only.getValue();
        return switch (only.getKey()) {
            case "S" -> AttributeValue.fromS(v.asText());
            case "N" -> AttributeValue.fromN(v.asText());
            case "BOOL" -> AttributeValue.fromBool(v.asBoolean());
            case "NULL" -> AttributeValue.fromNul(true);
            case "M" -> AttributeValue.fromM(item(v));
            case "L" -> AttributeValue.fromL(StreamSupport.stream(v.spliterator(), false)
                    .map(CallbackEvent::value).toList());
            default -> throw new IllegalArgumentException("unsupported attribute type " + only.getKey());
        };
    }
}
