package ai.joinchat.push.webhook.event;

import java.util.Optional;

/** A read receipt: the user {@code psid} read every message the page sent up to {@code watermark}. */
public record Read(String pageId, Channel channel, String psid, long watermark, long timestamp)
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
