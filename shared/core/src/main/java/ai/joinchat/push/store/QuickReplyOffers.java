package ai.joinchat.push.store;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which users this system offered a {@code user_phone_number} or {@code user_email} quick reply
 * (contract section 6). Facebook's webhook carries only a tapped quick reply's payload, never
 * its content type, so a tap may bind a phone or e-mail only when such an offer was sent to that
 * PSID on that page within {@link #VALIDITY}; the developer's own {@code text} quick replies
 * never bind.
 */
public interface QuickReplyOffers {

    /** How long an offer lets a tap bind. */
    Duration VALIDITY = Duration.ofDays(7);

    /** The quick-reply content types that offer the user's own contact. */
    enum Kind {
        PHONE("user_phone_number"),
        EMAIL("user_email");

        private final String contentType;

        Kind(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }

        /** The kinds a Send API message (or a queued {@code message}) offers in its {@code quick_replies}. */
        public static Set<Kind> offeredBy(JsonNode message) {
            Set<Kind> kinds = EnumSet.noneOf(Kind.class);
            JsonNode replies = message == null ? null : message.get("quick_replies");
            if (replies != null && replies.isArray()) {
                for (JsonNode reply : replies) {
                    String type = reply.path("content_type").asText("");
                    for (Kind kind : values()) {
                        if (kind.contentType.equals(type)) {
                            kinds.add(kind);
                        }
                    }
                }
            }
            return kinds;
        }
    }

    /** One offer: a page offered a PSID to share its phone or e-mail. */
    record Offer(String pageId, String psid, Kind kind) {
    }

    /** Records that the page sent the PSID a message offering these kinds, at {@code at}. */
    void record(String pageId, String psid, Set<Kind> kinds, Instant at);

    /** Of these offers, the ones recorded within {@link #VALIDITY} before {@code now} (batch reads). */
    Set<Offer> live(Collection<Offer> offers, Instant now);

    /** Records nothing and knows no offer: no tap binds. */
    QuickReplyOffers NONE = new QuickReplyOffers() {
        @Override
        public void record(String pageId, String psid, Set<Kind> kinds, Instant at) {
        }

        @Override
        public Set<Offer> live(Collection<Offer> offers, Instant now) {
            return Set.of();
        }
    };
}
