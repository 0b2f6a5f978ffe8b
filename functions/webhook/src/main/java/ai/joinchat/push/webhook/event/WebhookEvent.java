package ai.joinchat.push.webhook.event;

import java.util.List;
import java.util.Optional;

/**
 * One event of a webhook POST, from an entry's {@code messaging[]} or {@code standby[]}.
 * Every recordable event has a deterministic {@link #eventKey()}: Facebook redelivers whole
 * batches, and the same event must land on the same record.
 */
public sealed interface WebhookEvent {

    String pageId();

    Channel channel();

    /** Milliseconds since the epoch, as Facebook stamped the event. */
    long timestamp();

    EventKind kind();

    /** The sort key of the event's record in the webhook events table; empty when it is not recorded. */
    Optional<String> eventKey();

    /**
     * A message the page sent ({@code message.is_echo}), by any app or a human in the inbox.
     * {@code metadata} is the developer string given to the Send API; the worker puts the
     * message id there, so an echo can confirm a queued message. {@code attachmentsJson} is the
     * {@code message.attachments} array as JSON text (image, template, fallback, product, media ...).
     */
    record MessageEcho(String pageId, Channel channel, String psid, String mid, String appId, String metadata,
            String text, String attachmentsJson, long timestamp) implements WebhookEvent {

        @Override
        public EventKind kind() {
            return EventKind.ECHO;
        }

        @Override
        public Optional<String> eventKey() {
            return Optional.of(EventKeys.byMid(EventKind.ECHO, mid));
        }
    }

    /**
     * A user arrived through a link, ad or plugin carrying a {@code ref}: a {@code referral} event,
     * or the {@code referral} of a postback (the Get Started tap of a new conversation,
     * {@code viaPostback}). The user is a PSID ({@code sender.id}) or, from the chat plugin since
     * Graph v7.0, a {@code user_ref} ({@code sender.user_ref}). {@code adsContextDataJson} is the
     * {@code ads_context_data} object of click-to-Messenger ads as JSON text.
     */
    record Referral(String pageId, Channel channel, boolean viaPostback, String psid, String userRef, String ref,
            String source, String type, String adId, String refererUri, Boolean isGuestUser,
            String adsContextDataJson, long timestamp) implements WebhookEvent {

        @Override
        public EventKind kind() {
            return EventKind.REFERRAL;
        }

        @Override
        public Optional<String> eventKey() {
            return Optional.of(EventKeys.hashed(EventKind.REFERRAL, viaPostback, psid, userRef, timestamp, ref, source,
                    type, adId, refererUri));
        }
    }

    /**
     * An {@code optin} (Send to Messenger plugin, checkbox plugin): the user is a PSID or a
     * {@code user_ref} ({@code optin.user_ref} or {@code sender.user_ref}); {@code ref} is the
     * plugin's {@code data-ref}.
     */
    record OptIn(String pageId, Channel channel, String psid, String userRef, String ref, long timestamp)
            implements WebhookEvent {

        @Override
        public EventKind kind() {
            return EventKind.OPTIN;
        }

        @Override
        public Optional<String> eventKey() {
            return Optional.of(EventKeys.hashed(EventKind.OPTIN, psid, userRef, timestamp, ref));
        }
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

        @Override
        public EventKind kind() {
            return EventKind.DELIVERY;
        }

        /** Identified by who, up to when and which messages; not by the time stamp, which may be the entry's. */
        @Override
        public Optional<String> eventKey() {
            return Optional.of(EventKeys.hashed(EventKind.DELIVERY, psid, watermark, mids));
        }
    }

    /** A read receipt: the user {@code psid} read every message the page sent up to {@code watermark}. */
    record Read(String pageId, Channel channel, String psid, long watermark, long timestamp)
            implements WebhookEvent {

        @Override
        public EventKind kind() {
            return EventKind.READ;
        }

        @Override
        public Optional<String> eventKey() {
            return Optional.of(EventKeys.hashed(EventKind.READ, psid, watermark));
        }
    }

    /**
     * The user {@code psid} tapped a quick reply. For {@code user_phone_number} and {@code user_email}
     * quick replies Facebook puts the phone number or e-mail address itself in {@code payload}.
     */
    record QuickReply(String pageId, Channel channel, String psid, String mid, String payload, long timestamp)
            implements WebhookEvent {

        @Override
        public EventKind kind() {
            return EventKind.QUICK_REPLY;
        }

        @Override
        public Optional<String> eventKey() {
            return Optional.of(mid != null
                    ? EventKeys.byMid(EventKind.QUICK_REPLY, mid)
                    : EventKeys.hashed(EventKind.QUICK_REPLY, psid, timestamp, payload));
        }
    }

    /**
     * Any other event (a plain user message, a postback without referral, reactions, handovers ...):
     * acknowledged, counted by {@code type} (its first field besides sender, recipient and
     * timestamp), and not recorded.
     */
    record UnknownEvent(String pageId, Channel channel, String type, long timestamp) implements WebhookEvent {

        @Override
        public EventKind kind() {
            return EventKind.UNKNOWN;
        }

        @Override
        public Optional<String> eventKey() {
            return Optional.empty();
        }
    }
}
