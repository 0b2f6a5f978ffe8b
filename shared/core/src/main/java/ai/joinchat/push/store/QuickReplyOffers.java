package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.QuickReply;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which users this system offered a {@code user_phone_number} or {@code user_email} quick reply
 * (contract section 6). A tap carries only its payload, never its content type, so it binds only
 * when such an offer was sent to that PSID within {@link #VALIDITY}, and never when its payload
 * was sent to that PSID as a {@code text} quick reply's ({@link #offeredAsText}).
 */
public interface QuickReplyOffers {

    /** How long an offer lets a tap bind. */
    Duration VALIDITY = Duration.ofDays(7);

    /** The quick-reply content types that offer the user's own contact. */
    enum Kind {
        PHONE("user_phone_number"),
        EMAIL("user_email");

        public final String contentType;

        Kind(String contentType) {
            this.contentType = contentType;
        }

        public static Set<Kind> offeredBy(OutboundMessage message) {
            Set<Kind> kinds = EnumSet.noneOf(Kind.class);
            for (QuickReply reply : message.quickReplies()) {
                for (Kind kind : values()) {
                    if (kind.contentType.equals(reply.contentType())) {
                        kinds.add(kind);
                    }
                }
            }
            return kinds;
        }
    }

    /** One offer: a page offered a PSID to share its phone or e-mail. */
    record Offer(String pageId, String psid, Kind kind) {
    }

    /** A payload, exactly as given, of a {@code text} quick reply the page sent the PSID. */
    record TextPayload(String pageId, String psid, String payload) {
    }

    /** The payloads of a message's {@code text} quick replies that a tap could be taken for a contact by. */
    static Set<String> textPayloads(OutboundMessage message, Predicate<String> contactLike) {
        Set<String> payloads = new LinkedHashSet<>();
        for (QuickReply reply : message.quickReplies()) {
            if (reply instanceof QuickReply.Text text && contactLike.test(text.payload())) {
                payloads.add(text.payload());
            }
        }
        return payloads;
    }

    /** Records that the page sent the PSID a message offering these kinds and {@link #textPayloads} (some). */
    void record(String pageId, String psid, Set<Kind> kinds, Set<String> textPayloads, Instant at);

    /** Of these offers, the ones recorded within {@link #VALIDITY} before {@code now} (batch reads). */
    Set<Offer> live(Collection<Offer> offers, Instant now, Deadline deadline);

    /** Of these payloads, the ones recorded as {@code text} quick replies within {@link #VALIDITY} before {@code now}. */
    Set<TextPayload> offeredAsText(Collection<TextPayload> payloads, Instant now, Deadline deadline);
}
