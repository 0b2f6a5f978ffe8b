package ai.joinchat.push.webhook.event;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.webhook.event.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.event.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.event.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.event.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.event.WebhookEvent.Read;
import ai.joinchat.push.webhook.event.WebhookEvent.Referral;
import ai.joinchat.push.webhook.event.WebhookEvent.UnknownEvent;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a Messenger webhook POST body ({@code object: "page"}) into typed events. Tolerant:
 * unknown kinds become {@link UnknownEvent}s and a malformed event is skipped with a warning;
 * neither fails the batch. Thread-safe.
 */
public final class WebhookPayloadParser {

    private static final Set<String> ENVELOPE_FIELDS = Set.of("sender", "recipient", "timestamp");

    private final JsonLogger log;

    public WebhookPayloadParser(JsonLogger log) {
        this.log = log;
    }

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
                .with("reason", reason);
        if (channel != null) {
            line.with("channel", channel.fieldName());
        }
        if (eventIndex >= 0) {
            line.with("event_index", eventIndex);
        }
        line.write();
        return 1;
    }

    private static WebhookEvent event(JsonNode event, String entryPage, Long entryTime, Channel channel)
            throws MalformedEventException {
        if (event == null || !event.isObject()) {
            throw new MalformedEventException("event is not an object");
        }
        String senderId = id(event.path("sender").get("id"));
        String senderUserRef = scalar(event.path("sender"), "user_ref");
        String recipientId = id(event.path("recipient").get("id"));
        Long eventTime = millis(event.get("timestamp"));
        Long time = eventTime != null ? eventTime : entryTime;

        JsonNode message = object(event, "message");
        if (message != null) {
            return message(event, message, entryPage, senderId, recipientId, channel, time);
        }
        JsonNode postback = object(event, "postback");
        if (postback != null) {
            JsonNode referral = object(postback, "referral");
            return referral != null ? referral(referral, true, entryPage, recipientId, senderId, senderUserRef, channel, time)
                    : unknown(event, "postback", entryPage, recipientId, channel, time);
        }
        JsonNode referral = object(event, "referral");
        if (referral != null) {
            return referral(referral, false, entryPage, recipientId, senderId, senderUserRef, channel, time);
        }
        JsonNode optin = object(event, "optin");
        if (optin != null) {
            return optIn(optin, entryPage, recipientId, senderId, senderUserRef, channel, time);
        }
        JsonNode delivery = object(event, "delivery");
        if (delivery != null) {
            return delivery(delivery, entryPage, recipientId, senderId, channel, time);
        }
        JsonNode read = object(event, "read");
        if (read != null) {
            return new Read(required(first(entryPage, recipientId), "page id"), channel, required(senderId, "sender.id"),
                    required(millis(read.get("watermark")), "read.watermark"), required(time, "timestamp"));
        }
        return unknown(event, null, entryPage, recipientId, channel, time);
    }

    /** The field when it is a JSON object, else null. */
    private static JsonNode object(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isObject() ? value : null;
    }

    /** A message event: a page's echo, or a quick-reply tap; any other message is not recorded. */
    private static WebhookEvent message(JsonNode event, JsonNode message, String entryPage, String senderId,
                                        String recipientId, Channel channel, Long time) throws MalformedEventException {
        if (message.path("is_echo").asBoolean(false)) {
            return new MessageEcho(required(first(entryPage, senderId), "page id"), channel, recipientId,
                    required(scalar(message, "mid"), "message.mid"), scalar(message, "app_id"),
                    scalar(message, "metadata"), scalar(message, "text"), json(message.get("attachments")),
                    required(time, "timestamp"));
        }
        JsonNode quickReply = object(message, "quick_reply");
        if (quickReply != null && scalar(quickReply, "payload") != null) {
            return new QuickReply(required(first(entryPage, recipientId), "page id"), channel,
                    required(senderId, "sender.id"), scalar(message, "mid"), scalar(quickReply, "payload"),
                    required(time, "timestamp"));
        }
        return unknown(event, "message", entryPage, recipientId, channel, time);
    }

    private static OptIn optIn(JsonNode optin, String entryPage, String recipientId, String senderId,
                               String senderUserRef, Channel channel, Long time) throws MalformedEventException {
        String userRef = first(scalar(optin, "user_ref"), senderUserRef);
        if (senderId == null && userRef == null) {
            throw new MalformedEventException("optin has neither sender.id nor user_ref");
        }
        return new OptIn(required(first(entryPage, recipientId), "page id"), channel, senderId, userRef,
                scalar(optin, "ref"), required(time, "timestamp"));
    }

    private static Delivery delivery(JsonNode delivery, String entryPage, String recipientId, String senderId,
                                     Channel channel, Long time) throws MalformedEventException {
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
        return new Delivery(required(first(entryPage, recipientId), "page id"), channel, senderId, mids, watermark,
                required(time != null ? time : watermark, "timestamp"));
    }

    private static Referral referral(JsonNode referral, boolean viaPostback, String entryPage, String recipientId,
                                     String senderId, String senderUserRef, Channel channel, Long time)
            throws MalformedEventException {
        if (senderId == null && senderUserRef == null) {
            throw new MalformedEventException("referral has neither sender.id nor sender.user_ref");
        }
        return new Referral(required(first(entryPage, recipientId), "page id"), channel, viaPostback, senderId,
                senderUserRef, scalar(referral, "ref"), scalar(referral, "source"), scalar(referral, "type"),
                scalar(referral, "ad_id"), scalar(referral, "referer_uri"), flag(referral.get("is_guest_user")),
                json(referral.get("ads_context_data")), required(time, "timestamp"));
    }

    private static UnknownEvent unknown(JsonNode event, String type, String entryPage, String recipientId,
                                        Channel channel, Long time) {
        String kind = type;
        if (kind == null) {
            Iterator<String> names = event.fieldNames();
            while (kind == null && names.hasNext()) {
                String name = names.next();
                if (!ENVELOPE_FIELDS.contains(name)) {
                    kind = name;
                }
            }
        }
        return new UnknownEvent(first(entryPage, recipientId), channel, kind == null ? "none" : kind,
                time == null ? 0L : time);
    }

    /** A Graph id: a JSON string or integer, as text. */
    private static String id(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isTextual() && !node.textValue().isBlank()) {
            return node.textValue();
        }
        return node.isIntegralNumber() ? node.asText() : null;
    }

    /** A scalar field as text (Facebook sends some strings unquoted, e.g. {@code app_id}); null otherwise. */
    private static String scalar(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isValueNode() || value.isNull()) {
            return null;
        }
        return value.asText();
    }

    private static Long millis(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual() && node.textValue().matches("[0-9]{1,18}")) {
            return Long.parseLong(node.textValue());
        }
        return null;
    }

    private static Boolean flag(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual() && ("true".equals(node.textValue()) || "false".equals(node.textValue()))) {
            return Boolean.valueOf(node.textValue());
        }
        return null;
    }

    private static String json(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : Json.write(node);
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static <T> T required(T value, String what) throws MalformedEventException {
        if (value == null) {
            throw new MalformedEventException(what + " is missing");
        }
        return value;
    }

    /** An event this parser cannot use; it is skipped, never failing its batch. */
    private static final class MalformedEventException extends Exception {
        MalformedEventException(String reason) {
            super(reason, null, false, false);
        }
    }
}
