package ai.joinchat.push.webhook;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.Sha256;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One event of a webhook POST, from an entry's {@code messaging[]} or {@code standby[]}. Every
 * recordable event has a deterministic {@link #eventKey()}: Facebook redelivers whole batches, and
 * the same event must land on the same record.
 */
public sealed interface WebhookEvent {

    /** Which array of an {@code entry} an event came in: the primary receiver's or the standby one. */
    enum Channel {
        MESSAGING, STANDBY;

        /** The entry's field, {@code messaging} or {@code standby}; also the value recorded. */
        public String fieldName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The kinds of webhook event this function understands, with the name logged and recorded. */
    enum EventKind {
        ECHO, REFERRAL, OPTIN, DELIVERY, READ, QUICK_REPLY, UNKNOWN;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    String pageId();

    Channel channel();

    /** Milliseconds since the epoch, as Facebook stamped the event. */
    long timestamp();

    default EventKind kind() {
        return this instanceof MessageEcho ? EventKind.ECHO : this instanceof Referral ? EventKind.REFERRAL
                : this instanceof OptIn ? EventKind.OPTIN : this instanceof Delivery ? EventKind.DELIVERY
                : this instanceof Read ? EventKind.READ : this instanceof QuickReply ? EventKind.QUICK_REPLY
                : EventKind.UNKNOWN;
    }

    /** The sort key of the event's record in the webhook events table; empty when it is not recorded. */
    default Optional<String> eventKey() {
        if (this instanceof MessageEcho e) {
            return Optional.of(byMid(e.mid()));
        } else if (this instanceof Referral r) {
            return Optional.of(hashed(r.viaPostback(), r.psid(), r.userRef(), r.timestamp(), r.ref(),
                    r.source(), r.type(), r.adId(), r.refererUri()));
        } else if (this instanceof OptIn o) {
            return Optional.of(hashed(o.psid(), o.userRef(), o.timestamp(), o.ref()));
        } else if (this instanceof Delivery d) { // not by the time stamp, which may be the entry's
            return Optional.of(hashed(d.psid(), d.watermark(), d.mids()));
        } else if (this instanceof Read r) {
            return Optional.of(hashed(r.psid(), r.watermark()));
        } else if (this instanceof QuickReply q) {
            return Optional.of(q.mid() != null ? byMid(q.mid()) : hashed(q.psid(), q.timestamp(), q.payload()));
        }
        return Optional.empty();
    }

    /**
     * A message the page sent ({@code message.is_echo}), by any app or a human in the inbox.
     * {@code metadata} is the developer string given to the Send API; the worker puts the
     * message id there, so an echo can confirm a queued message. {@code attachmentsJson} is the
     * {@code message.attachments} array as JSON text (image, template, fallback, product, media ...).
     */
    record MessageEcho(String pageId, Channel channel, String psid, String mid, String appId, String metadata,
            String text, String attachmentsJson, long timestamp) implements WebhookEvent {
    }

    /**
     * A user arrived through a link, ad or plugin carrying a {@code ref}: a {@code referral} event, or the
     * {@code referral} of a postback (the Get Started tap of a new conversation, {@code viaPostback}). The user
     * is a PSID ({@code sender.id}) or, from the chat plugin since Graph v7.0, a {@code sender.user_ref}.
     * {@code adsContextDataJson} is the {@code ads_context_data} object of click-to-Messenger ads as JSON text.
     */
    record Referral(String pageId, Channel channel, boolean viaPostback, String psid, String userRef, String ref,
            String source, String type, String adId, String refererUri, Boolean isGuestUser,
            String adsContextDataJson, long timestamp) implements WebhookEvent {
    }

    /**
     * An {@code optin} (Send to Messenger plugin, checkbox plugin): the user is a PSID or a {@code user_ref}
     * ({@code optin.user_ref} or {@code sender.user_ref}); {@code ref} is the plugin's {@code data-ref}.
     */
    record OptIn(String pageId, Channel channel, String psid, String userRef, String ref, long timestamp)
            implements WebhookEvent {
    }

    /**
     * A delivery receipt from the user {@code psid}: the listed Facebook message ids were delivered,
     * and (when {@code watermark} is given) every message sent before it.
     */
    record Delivery(String pageId, Channel channel, String psid, List<String> mids, Long watermark, long timestamp)
            implements WebhookEvent {

        public Delivery {
            mids = List.copyOf(mids);
        }
    }

    /** A read receipt: the user {@code psid} read every message the page sent up to {@code watermark}. */
    record Read(String pageId, Channel channel, String psid, long watermark, long timestamp)
            implements WebhookEvent {
    }

    /**
     * The user {@code psid} tapped a quick reply. For {@code user_phone_number} and {@code user_email}
     * quick replies Facebook puts the phone number or e-mail address itself in {@code payload}.
     */
    record QuickReply(String pageId, Channel channel, String psid, String mid, String payload, long timestamp)
            implements WebhookEvent {
    }

    /**
     * Any other event (a plain user message, a postback without referral, reactions, handovers ...): acknowledged,
     * counted by {@code type} (its first field besides sender, recipient and timestamp), and not recorded.
     */
    record UnknownEvent(String pageId, Channel channel, String type, long timestamp) implements WebhookEvent {
    }

    private String byMid(String mid) {
        return kind().wireName() + "#" + mid;
    }

    /** {@code <kind>#<hex SHA-256>} of the fields as a JSON array (nulls kept): no two lists share an encoding. */
    private String hashed(Object... fields) {
        try {
            String json = Json.MAPPER.writeValueAsString(Arrays.asList(fields));
            return kind().wireName() + "#" + Sha256.hex(json.getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
