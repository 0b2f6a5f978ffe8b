package ai.joinchat.push.store;

import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of the Messages table: its attribute names, the item of a {@link MessageRecord}
 * (with its echo, once recorded) and the {@code by_recipient} partitions. Nothing else spells an
 * attribute name of this table.
 */
public final class MessageItem {

    public static final String MESSAGE_ID = "message_id";
    public static final String PAGE_ID = "page_id";
    public static final String RECIPIENT_TYPE = "recipient_type";
    public static final String RECIPIENT_VALUE = "recipient_value";
    public static final String TEMPLATE_TYPE = "template_type";
    public static final String STATUS = "status";
    public static final String ATTEMPTS = "attempts";
    public static final String CREATED_AT = "created_at";
    public static final String UPDATED_AT = "updated_at";
    public static final String DECIDE_BY = "decide_by";
    public static final String WARNINGS = "warnings";
    public static final String EXPIRES_AT = "expires_at";
    public static final String FACEBOOK_MESSAGE_ID = "facebook_message_id";
    public static final String PSID = "psid";
    public static final String ERROR = "error";
    public static final String LEASE_UNTIL = "lease_until";
    public static final String CLAIM_TOKEN = "claim_token";
    public static final String UNCONFIRMED = "unconfirmed";
    /** The time its echo carries (Facebook's clock), as {@code message_status} shows it. */
    public static final String ECHOED_AT = "echoed_at";
    /** The same time in epoch millis, which receipts' watermarks are compared with (not a key). */
    public static final String FACEBOOK_SENT_AT = "facebook_sent_at";
    public static final String ECHO_APP_ID = "echo_app_id";
    public static final String DELIVERED_AT = "delivered_at";
    public static final String READ_AT = "read_at";
    /** A failed message's queued copy, kept while it may be resent on purpose. */
    public static final String RESEND_BODY = "resend_body";
    /** Facebook refused the last attempt: the copy is kept once the dead-letter queue hands it back. */
    public static final String REFUSED = "refused";
    /** {@code by_recipient}'s sort key: the Send API call's start, never after its Facebook time (STAMP_BY_ECHO). */
    public static final String SENT_AT = "sent_at";
    /** {@code by_recipient}'s partition key: {@link #recipientKey}. */
    public static final String RECIPIENT_KEY = "recipient_psid_key";

    static final String BY_FACEBOOK_MESSAGE_ID = "by_facebook_message_id";
    static final String BY_RECIPIENT = "by_recipient";
    /**
     * {@code recipient_psid_key}'s suffixes: a sent message is under {@code <page>#<psid>#d} until
     * delivered, then {@code #r} until read, then unindexed, so a receipt's query finds only what
     * it newly moves, whatever the recipient's history.
     */
    static final String AWAITING_DELIVERY = "#d";
    static final String AWAITING_READ = "#r";

    private MessageItem() {
    }

    static String recipientKey(String pageId, String psid, String stage) {
        return pageId + "#" + psid + stage;
    }

    public static Map<String, AttributeValue> key(String messageId) {
        return Map.of(MESSAGE_ID, s(messageId));
    }

    /** A message's item: one with a status, not nothing. */
    public static boolean isMessage(Map<String, AttributeValue> item) {
        return item != null && item.containsKey(STATUS);
    }

    /** The item of {@code record}, expiring {@code retention} after its creation. */
    public static Map<String, AttributeValue> of(MessageRecord record, Duration retention) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(MESSAGE_ID, s(record.messageId()));
        put(item, PAGE_ID, record.pageId());
        if (record.recipient() != null) {
            item.put(RECIPIENT_TYPE, s(record.recipient().type().wireName()));
            item.put(RECIPIENT_VALUE, s(record.recipient().value()));
        }
        put(item, TEMPLATE_TYPE, record.templateType());
        put(item, STATUS, record.status().wireName());
        item.put(ATTEMPTS, value(record.attempts()));
        put(item, CREATED_AT, record.createdAt());
        put(item, UPDATED_AT, record.updatedAt());
        put(item, FACEBOOK_MESSAGE_ID, record.facebookMessageId());
        put(item, PSID, record.psid());
        put(item, ERROR, record.error());
        item.put(WARNINGS, AttributeValue.fromL(record.warnings().stream().map(MessageItem::s).toList()));
        put(item, ECHOED_AT, record.echoedAt());
        put(item, DELIVERED_AT, record.deliveredAt());
        put(item, READ_AT, record.readAt());
        put(item, DECIDE_BY, record.decideBy() == null ? null : record.decideBy().toEpochMilli());
        put(item, EXPIRES_AT, record.createdAt() == null ? null : record.createdAt().plus(retention).getEpochSecond());
        return item;
    }

    public static MessageRecord toRecord(Map<String, AttributeValue> item) {
        AttributeValue warnings = item.get(WARNINGS);
        Recipient recipient = RecipientType.fromWireName(String.valueOf(str(item, RECIPIENT_TYPE)))
                .filter(type -> str(item, RECIPIENT_VALUE) != null && !str(item, RECIPIENT_VALUE).isEmpty())
                .map(type -> new Recipient(type, str(item, RECIPIENT_VALUE)))
                .orElse(null);
        Long decideBy = number(item, DECIDE_BY);
        return new MessageRecord(
                str(item, MESSAGE_ID), str(item, PAGE_ID), recipient,
                str(item, TEMPLATE_TYPE), MessageStatus.fromWireName(str(item, STATUS)),
                item.containsKey(ATTEMPTS) ? Integer.parseInt(item.get(ATTEMPTS).n()) : 0,
                instant(item, CREATED_AT), instant(item, UPDATED_AT),
                str(item, FACEBOOK_MESSAGE_ID), str(item, PSID), error(item.get(ERROR)),
                warnings != null && warnings.hasL() ? warnings.l().stream().map(AttributeValue::s).toList() : List.of(),
                instant(item, ECHOED_AT), instant(item, DELIVERED_AT), instant(item, READ_AT),
                decideBy == null ? null : Instant.ofEpochMilli(decideBy),
                item.containsKey(RESEND_BODY) && !item.containsKey(UNCONFIRMED));
    }

    private static DeliveryError error(AttributeValue e) {
        if (e == null || !e.hasM()) {
            return null;
        }
        Map<String, AttributeValue> m = e.m();
        Long subcode = number(m, "subcode");
        return new DeliveryError(str(m, "code"), subcode == null ? null : subcode.intValue(), str(m, "message"),
                m.containsKey("retryable") && Boolean.TRUE.equals(m.get("retryable").bool()));
    }

    /** A String, number, Boolean, Instant or {@link DeliveryError} as an attribute value. */
    public static AttributeValue value(Object value) {
        if (value instanceof String text) {
            return s(text);
        } else if (value instanceof Number number) {
            return AttributeValue.fromN(number.toString());
        } else if (value instanceof Boolean bool) {
            return AttributeValue.fromBool(bool);
        } else if (value instanceof Instant instant) {
            return s(instant.toString());
        } else if (value instanceof DeliveryError error) {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put("code", s(error.code()));
            put(m, "subcode", error.subcode());
            m.put("message", s(error.message() == null ? "" : error.message()));
            m.put("retryable", AttributeValue.fromBool(error.retryable()));
            return AttributeValue.fromM(m);
        }
        throw new IllegalArgumentException("no attribute value for " + value.getClass().getSimpleName());
    }

    static void put(Map<String, AttributeValue> item, String name, Object value) {
        if (value != null) {
            item.put(name, value(value));
        }
    }

    public static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    public static Long number(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? null : Long.valueOf(v.n());
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        String v = str(item, name);
        return v == null ? null : Instant.parse(v);
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
