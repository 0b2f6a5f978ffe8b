package ai.joinchat.push.webhook.event;

import java.util.Optional;

/**
 * Any other event (a plain user message, a postback without referral, reactions, handovers ...):
 * acknowledged, counted by {@code type} (its first field besides sender, recipient and
 * timestamp), and not recorded.
 */
public record UnknownEvent(String pageId, Channel channel, String type, long timestamp) implements WebhookEvent {

    @Override
    public EventKind kind() {
        return EventKind.UNKNOWN;
    }

    @Override
    public Optional<String> eventKey() {
        return Optional.empty();
    }
}
