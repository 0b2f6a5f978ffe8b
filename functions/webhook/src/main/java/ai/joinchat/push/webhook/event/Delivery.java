package ai.joinchat.push.webhook.event;

import java.util.List;
import java.util.Optional;

/**
 * A delivery receipt from the user {@code psid}: the listed Facebook message ids were delivered,
 * and (when {@code watermark} is given) every message sent before it.
 */
public record Delivery(String pageId, Channel channel, String psid, List<String> mids, Long watermark, long timestamp)
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
