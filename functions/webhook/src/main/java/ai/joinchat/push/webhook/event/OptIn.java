package ai.joinchat.push.webhook.event;

import java.util.Optional;

/**
 * An {@code optin} (Send to Messenger plugin, checkbox plugin): the user is a PSID or a
 * {@code user_ref} ({@code optin.user_ref} or {@code sender.user_ref}); {@code ref} is the
 * plugin's {@code data-ref}.
 */
public record OptIn(String pageId, Channel channel, String psid, String userRef, String ref, long timestamp)
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
