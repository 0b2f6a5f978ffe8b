package ai.joinchat.push.webhook.event;

import java.util.Optional;

/**
 * One event of a webhook POST, from an entry's {@code messaging[]} or {@code standby[]}.
 * Every recordable event has a deterministic {@link #eventKey()}: Facebook redelivers whole
 * batches, and the same event must land on the same record.
 */
public sealed interface WebhookEvent permits MessageEcho, Referral, OptIn, Delivery, Read, QuickReply, UnknownEvent {

    String pageId();

    Channel channel();

    /** Milliseconds since the epoch, as Facebook stamped the event. */
    long timestamp();

    EventKind kind();

    /** The sort key of the event's record in the webhook events table; empty when it is not recorded. */
    Optional<String> eventKey();
}
