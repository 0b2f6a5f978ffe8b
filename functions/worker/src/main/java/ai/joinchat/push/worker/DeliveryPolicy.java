package ai.joinchat.push.worker;

import java.time.Duration;
import java.util.Objects;

/**
 * How the worker treats one message.
 *
 * @param maxReceiveCount the queue's {@code maxReceiveCount}: on this receive a transient failure is final
 * @param claimLease      how long a claimed record is reserved for this invocation (longer than a
 *                        Graph call plus the record writes, shorter than the queue's visibility timeout)
 */
public record DeliveryPolicy(int maxReceiveCount, Duration claimLease) {

    public static final Duration DEFAULT_CLAIM_LEASE = Duration.ofSeconds(60);

    public DeliveryPolicy {
        if (maxReceiveCount < 1) {
            throw new IllegalArgumentException("maxReceiveCount must be at least 1");
        }
        Objects.requireNonNull(claimLease, "claimLease");
        if (claimLease.isNegative() || claimLease.isZero()) {
            throw new IllegalArgumentException("claimLease must be positive");
        }
    }
}
