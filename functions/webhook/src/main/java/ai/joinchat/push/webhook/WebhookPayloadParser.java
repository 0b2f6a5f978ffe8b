package ai.joinchat.push.webhook;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.webhook.WebhookEvent.Channel;
import ai.joinchat.push.webhook.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.WebhookEvent.EventKind;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.WebhookEvent.Read;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.WebhookEvent.UnknownEvent;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Messenger webhook POST body ({@code object: "page"}) into typed events. Tolerant: unknown kinds become
 * {@link UnknownEvent}s and a malformed event is skipped with a warning; neither fails the batch. Thread-safe.
 */
public record WebhookPayloadParser(JsonLogger log) {

    /** A parsed POST: its events in payload order (unknown kinds included); {@code skipped}: the malformed ones. */
    public record WebhookPayload(String object, int entries, List<WebhookEvent> events, int skipped) {

        public WebhookPayload {
            events = List.copyOf(events);
        }

        public boolean isPage() {
            return "page".equals(object);
        }

        public Map<EventKind, Integer> countsByKind() {
            Map<EventKind, Integer> counts = new EnumMap<>(EventKind.class);
            events.forEach(e -> counts.merge(e.kind(), 1, Integer::sum));
            return counts;
        }
    }

    private static final Set<String> ENVELOPE_FIELDS = Set.of("sender", "recipient", "timestamp");

    public WebhookPayload parse(JsonNode root) {
        String object = scalar(root, "object");
        JsonNode entries = root.path("entry");
        int entryCount = entries.isArray() ? entries.size() : 0;
        if (!"page".equals(object)) {
            return new WebhookPayload(object, entryCount, List.of(), 0);
        }
        List<WebhookEvent> events = new ArrayList<>();
        int skipped = 0;
        for (int e = 0; e < entryCount; e++) {
            JsonNode entry = entries.get(e);
            if (!entry.isObject()) {
                skipped += skip(null, null, e, -1, "entry is not an object");
                continue;
            }
            String entryPage = id(entry.get("id"));
            Long entryTime = millis(entry.get("time"));
            for (Channel channel : Channel.values()) {
                JsonNode list = entry.get(channel.fieldName());
                if (list == null || list.isNull()) {
                    continue;
                }
                if (!list.isArray()) {
                    skipped += skip(entryPage, channel, e, -1, channel.fieldName() + " is not an array");
                    continue;
                }
                for (int i = 0; i < list.size(); i++) {
                    try {
                        events.add(event(list.get(i), entryPage, entryTime, channel));
                    } catch (MalformedEventException malformed) {
                        skipped += skip(entryPage, channel, e, i, malformed.getMessage());
                    } catch (RuntimeException unexpected) {
                        skipped += skip(entryPage, channel, e, i, "unexpected shape: " + unexpected.getClass().getSimpleName());
                    }
                }
            }
        }
        return new WebhookPayload(object, entryCount, events, skipped);
    }

    private int skip(String pageId, Channel channel, int entryIndex, int eventIndex, String reason) {
        JsonLogger.Entry line = log.warn("webhook_event_skipped")
                .with("page_id", pageId)
                .with("entry_index", entryIndex)
                .with("reason", reason)
                .with("channel", channel == null ? null : channel.fieldName());
        if (eventIndex >= 0) {
            line.with("event_index", eventIndex);
        }
        line.write();
        return 1;
    }

    private record Envelope(String entryPage, String senderId, String senderUserRef, String recipientId,
                            Channel channel, Long time) {

        /** The page the event belongs to: the entry's id, else the event's recipient. */
        String page() throws MalformedEventException {
            return required(first(entryPage, recipientId), "page id");
        }

        long timestamp() throws MalformedEventException {
            return required(time, "timestamp");
        }
    }

    private static WebhookEvent event(JsonNode event, String entryPage, Long entryTime, Channel channel)
            throws MalformedEventException {
        if (event == null || !event.isObject()) {
            throw new MalformedEventException("event is not an object");
        }
        Envelope at = new Envelope(entryPage, id(event.path("sender").get("id")),
                scalar(event.path("sender"), "user_ref"), id(event.path("recipient").get("id")), channel,
                first(millis(event.get("timestamp")), entryTime));
        JsonNode message = object(event, "message");
        JsonNode postback = object(event, "postback");
        if (message != null) {
            return message(event, message, at);
        } else if (postback != null) {
            JsonNode referral = object(postback, "referral");
            return referral != null ? referral(referral, true, at) : unknown(event, "postback", at);
        } else if (object(event, "referral") != null) {
            return referral(object(event, "referral"), false, at);
        } else if (object(event, "optin") != null) {
            return optIn(object(event, "optin"), at);
        } else if (object(event, "delivery") != null) {
            return delivery(object(event, "delivery"), at);
        } else if (object(event, "read") != null) {
            return new Read(at.page(), channel, required(at.senderId(), "sender.id"),
                    required(millis(object(event, "read").get("watermark")), "read.watermark"), at.timestamp());
        }
        return unknown(event, null, at);
    }

    private static JsonNode object(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isObject() ? value : null;
    }

    /** A message event: a page's echo, or a quick-reply tap; any other message is not recorded. */
    private static WebhookEvent message(JsonNode event, JsonNode message, Envelope at) throws MalformedEventException {
        if (message.path("is_echo").asBoolean(false)) {
            return new MessageEcho(required(first(at.entryPage(), at.senderId()), "page id"), at.channel(),
                    at.recipientId(), required(scalar(message, "mid"), "message.mid"), scalar(message, "app_id"),
                    scalar(message, "metadata"), scalar(message, "text"), json(message.get("attachments")),
                    at.timestamp());
        }
        String payload = scalar(object(message, "quick_reply"), "payload");
        return payload == null ? unknown(event, "message", at) : new QuickReply(at.page(), at.channel(),
                required(at.senderId(), "sender.id"), scalar(message, "mid"), payload, at.timestamp());
    }

    private static OptIn optIn(JsonNode optin, Envelope at) throws MalformedEventException {
        String userRef = first(scalar(optin, "user_ref"), at.senderUserRef());
        if (at.senderId() == null && userRef == null) {
            throw new MalformedEventException("optin has neither sender.id nor user_ref");
        }
        return new OptIn(at.page(), at.channel(), at.senderId(), userRef, scalar(optin, "ref"), at.timestamp());
    }

    private static Delivery delivery(JsonNode delivery, Envelope at) throws MalformedEventException {
        List<String> mids = new ArrayList<>();
        delivery.path("mids").forEach(mid -> {
            if (mid.isTextual() && !mid.textValue().isBlank()) {
                mids.add(mid.textValue());
            }
        });
        Long watermark = millis(delivery.get("watermark"));
        if (mids.isEmpty() && watermark == null) {
            throw new MalformedEventException("delivery has neither mids nor watermark");
        }
        // Delivery receipts often carry no timestamp of their own.
        return new Delivery(at.page(), at.channel(), at.senderId(), mids, watermark,
                required(first(at.time(), watermark), "timestamp"));
    }

    private static Referral referral(JsonNode referral, boolean viaPostback, Envelope at)
            throws MalformedEventException {
        if (at.senderId() == null && at.senderUserRef() == null) {
            throw new MalformedEventException("referral has neither sender.id nor sender.user_ref");
        }
        return new Referral(at.page(), at.channel(), viaPostback, at.senderId(), at.senderUserRef(),
                scalar(referral, "ref"), scalar(referral, "source"), scalar(referral, "type"),
                scalar(referral, "ad_id"), scalar(referral, "referer_uri"), flag(referral.get("is_guest_user")),
                json(referral.get("ads_context_data")), at.timestamp());
    }

    /** Counted by its first field besides the envelope's, unless {@code type} names it already. */
    private static UnknownEvent unknown(JsonNode event, String type, Envelope at) {
        String kind = type;
        for (Iterator<String> names = event.fieldNames(); kind == null && names.hasNext(); ) {
            String name = names.next();
            kind = ENVELOPE_FIELDS.contains(name) ? null : name;
        }
        return new UnknownEvent(first(at.entryPage(), at.recipientId()), at.channel(), first(kind, "none"),
                first(at.time(), 0L));
    }

    /** A Graph id: a JSON string or integer, as text. */
    private static String id(JsonNode node) {
        return node == null ? null : node.isTextual() && !node.textValue().isBlank() ? node.textValue()
                : node.isIntegralNumber() ? node.asText() : null;
    }

    /** A scalar field as text (Facebook sends some strings unquoted, e.g. {@code app_id}); null otherwise. */
    private static String scalar(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || !value.isValueNode() || value.isNull() ? null : value.asText();
    }

    /** Milliseconds as a JSON integer or a string of digits. */
    private static Long millis(JsonNode node) {
        return node == null ? null : node.isIntegralNumber() && node.canConvertToLong() ? Long.valueOf(node.longValue())
                : node.isTextual() && node.textValue().matches("[0-9]{1,18}") ? Long.valueOf(node.textValue()) : null;
    }

    /** A JSON boolean, or the string {@code "true"} or {@code "false"}. */
    private static Boolean flag(JsonNode node) {
        return node != null && (node.isBoolean() || (node.isTextual() && node.textValue().matches("true|false")))
                ? Boolean.valueOf(node.asText()) : null;
    }

    private static String json(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : Json.write(node);
    }

    private static <T> T first(T a, T b) {
        return a != null ? a : b;
    }

    private static <T> T required(T value, String what) throws MalformedEventException {
        if (value == null) {
            throw new MalformedEventException(what + " is missing");
        }
        return value;
    }

    private static final class MalformedEventException extends Exception {
        MalformedEventException(String reason) {
            super(reason, null, false, false);
        }
    }
}
