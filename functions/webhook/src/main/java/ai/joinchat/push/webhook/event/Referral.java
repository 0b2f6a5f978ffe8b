package ai.joinchat.push.webhook.event;

import java.util.Optional;

/**
 * A user arrived through a link, ad or plugin carrying a {@code ref}: a {@code referral} event,
 * or the {@code referral} of a postback (the Get Started tap of a new conversation,
 * {@code viaPostback}). The user is a PSID ({@code sender.id}) or, from the chat plugin since
 * Graph v7.0, a {@code user_ref} ({@code sender.user_ref}). {@code adsContextDataJson} is the
 * {@code ads_context_data} object of click-to-Messenger ads as JSON text.
 */
public record Referral(String pageId, Channel channel, boolean viaPostback, String psid, String userRef, String ref,
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
