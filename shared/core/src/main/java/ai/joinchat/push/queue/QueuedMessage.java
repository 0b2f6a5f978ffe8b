package ai.joinchat.push.queue;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.request.Recipient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The SQS message body the send API writes and the worker reads (versioned JSON; the message as
 * {@link MessageJson}), and the copies the worker queues itself ({@link #withSent}, {@link #throttled}).
 */
public record QueuedMessage(
        String messageId,
        String pageId,
        Recipient recipient,
        OutboundMessage message,
        String messagingType,
        String tag,
        List<String> warnings,
        Instant acceptedAt,
        Instant decideBy,
        Sent sent,
        Instant throttledSince,
        Instant notBefore) {

    public static final int VERSION = 2;
    /** Version 1 bodies carry no decision time: the send API's longest invocation then stands in. */
    static final Duration VERSION_1_DECISION_TIME = Duration.ofSeconds(15);

    /** A send Facebook accepted whose record is still to be written; {@code at} is when the call started. */
    public record Sent(String facebookMessageId, String psid, Instant at) {
        public Sent {
            Objects.requireNonNull(facebookMessageId, "facebookMessageId");
            Objects.requireNonNull(at, "at");
        }
    }

    /** The copy the worker puts back while the page is throttled: held since then, sent not before its slot. */
    public QueuedMessage throttled(Instant since, Instant sendNotBefore) {
        return new QueuedMessage(messageId, pageId, recipient, message, messagingType, tag, warnings,
                acceptedAt, decideBy, sent, throttledSince == null ? since : throttledSince, sendNotBefore);
    }

    public QueuedMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(pageId, "pageId");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(message, "message");
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** The copy a resend queues: as first accepted, never throttled, decided by {@code newDecideBy}. */
    public QueuedMessage resent(Instant newDecideBy) {
        return new QueuedMessage(messageId, pageId, recipient, message, messagingType, tag, warnings, acceptedAt,
                newDecideBy, null, null, null);
    }

    /** This message, marked as accepted by Facebook already: its receive only records that. */
    public QueuedMessage withSent(Sent sent) {
        return new QueuedMessage(messageId, pageId, recipient, message, messagingType, tag, warnings,
                acceptedAt, decideBy, Objects.requireNonNull(sent, "sent"), throttledSince, notBefore);
    }

    public String toJson() {
        ObjectNode node = Json.object();
        node.put("v", VERSION);
        node.put("message_id", messageId);
        node.put("page_id", pageId);
        node.set("recipient", recipient.toJson());
        node.put("template_type", message.templateType());
        node.set("message", MessageJson.write(message));
        node.put("messaging_type", messagingType);
        if (tag != null) {
            node.put("tag", tag);
        }
        ArrayNode w = node.putArray("warnings");
        warnings.forEach(w::add);
        node.put("accepted_at", acceptedAt == null ? null : acceptedAt.toString());
        if (decideBy != null) {
            node.put("decide_by", decideBy.toEpochMilli());
        }
        if (sent != null) {
            ObjectNode done = node.putObject("sent");
            done.put("facebook_message_id", sent.facebookMessageId());
            if (sent.psid() != null) {
                done.put("psid", sent.psid());
            }
            done.put("at", sent.at().toEpochMilli());
        }
        if (throttledSince != null) {
            node.put("throttled_since", throttledSince.toEpochMilli());
        }
        if (notBefore != null) {
            node.put("not_before", notBefore.toEpochMilli());
        }
        return Json.write(node);
    }

    /** @throws IllegalArgumentException when the body is not a message this version understands */
    public static QueuedMessage fromJson(String body) {
        JsonNode node = Json.parse(body);
        String messageId = Json.text(node, "message_id");
        String pageId = Json.text(node, "page_id");
        if (messageId == null || pageId == null || !node.path("message").isObject()) {
            throw new IllegalArgumentException("not a queued message");
        }
        List<String> warnings = new ArrayList<>();
        node.path("warnings").forEach(w -> warnings.add(w.asText()));
        Instant acceptedAt = instant(Json.text(node, "accepted_at"));
        Instant decideBy = node.path("decide_by").canConvertToLong()
                ? Instant.ofEpochMilli(node.path("decide_by").asLong())
                : acceptedAt == null ? null : acceptedAt.plus(VERSION_1_DECISION_TIME);
        return new QueuedMessage(messageId, pageId, Recipient.fromJson(node.get("recipient")),
                MessageJson.readQueued(Json.text(node, "template_type"), node.get("message")),
                Json.text(node, "messaging_type"),
                Json.text(node, "tag"), warnings, acceptedAt, decideBy, sent(node.get("sent")),
                epochMillis(node, "throttled_since"), epochMillis(node, "not_before"));
    }

    private static Instant epochMillis(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isIntegralNumber() && value.canConvertToLong() ? Instant.ofEpochMilli(value.asLong()) : null;
    }

    private static Sent sent(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String facebookMessageId = Json.text(node, "facebook_message_id");
        if (facebookMessageId == null || !node.path("at").canConvertToLong()) {
            throw new IllegalArgumentException("not a queued message: sent without facebook_message_id and at");
        }
        return new Sent(facebookMessageId, Json.text(node, "psid"), Instant.ofEpochMilli(node.path("at").asLong()));
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
