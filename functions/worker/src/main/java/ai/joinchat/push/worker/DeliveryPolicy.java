package ai.joinchat.push.worker;

import ai.joinchat.push.queue.QueuedMessage;

import java.time.Duration;
import java.time.Instant;

/**
 * How the worker treats one message. {@code claimLease} is at least the queue's visibility timeout
 * plus the worker's timeout, so no redelivery can send while the claiming invocation may still be
 * sending; {@code maxThrottle} is {@code MaxThrottleHours}. The caller ({@code Settings}) checks the ranges.
 */
public record DeliveryPolicy(int maxReceiveCount, Duration claimLease, Duration maxThrottle) {

    /** The template's VisibilityTimeout (180 s) plus the worker's Timeout (30 s); a test checks the sum. */
    public static final Duration DEFAULT_CLAIM_LEASE = Duration.ofSeconds(210);

    public boolean lastReceive(int receiveCount) {
        return receiveCount >= maxReceiveCount;
    }

    public boolean throttledTooLong(QueuedMessage message, Instant now) {
        return message.throttledSince() != null && !now.isBefore(message.throttledSince().plus(maxThrottle));
    }
}
