package ai.joinchat.push.worker.batch;

import ai.joinchat.push.Deadline;

import java.time.Duration;
import java.util.Objects;

/**
 * The deadlines of one invocation: every call ends by {@link #deadline}, and no message is started
 * after {@link #startBy}, {@code sendReserve} (one send) before the end.
 */
public record InvocationBudget(Duration sendReserve) {

    /** Kept from the invocation's time for the batch response and the redelivery calls after the deliveries. */
    static final Duration INVOCATION_RESERVE = Duration.ofSeconds(2);

    public InvocationBudget {
        Objects.requireNonNull(sendReserve, "sendReserve");
    }

    public Deadline deadline(Duration remaining) {
        return Deadline.ofRemaining(remaining, INVOCATION_RESERVE);
    }

    public Deadline startBy(Duration remaining) {
        return Deadline.in(timeBudget(remaining));
    }

    /** At most half the time is kept back, so a short timeout still delivers. */
    public Duration timeBudget(Duration remaining) {
        Duration reserve = sendReserve.compareTo(remaining.dividedBy(2)) < 0 ? sendReserve : remaining.dividedBy(2);
        return remaining.minus(reserve);
    }
}
