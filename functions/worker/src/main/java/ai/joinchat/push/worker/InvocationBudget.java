package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;

import java.time.Duration;
import java.util.Objects;

/**
 * How one invocation spends its remaining time: a deadline every AWS and Graph call of the batch
 * ends by, and how long new messages may still be started so the last send can finish.
 */
public final class InvocationBudget {

    /** Kept from the invocation's time for the batch response and the redelivery calls after the deliveries. */
    static final Duration INVOCATION_RESERVE = Duration.ofSeconds(2);

    private final Duration sendReserve;

    /** @param sendReserve what one send may take (the Graph timeout and some margin) */
    public InvocationBudget(Duration sendReserve) {
        this.sendReserve = Objects.requireNonNull(sendReserve, "sendReserve");
    }

    /** The invocation's deadline: every AWS and Graph call of the batch ends by it. */
    public Deadline deadline(Duration remaining) {
        return Deadline.ofRemaining(remaining, INVOCATION_RESERVE);
    }

    /**
     * How long new messages may still be started in an invocation with this much time left:
     * enough is kept for the last send to finish (at most half the time, so a short timeout
     * still delivers).
     */
    public Duration timeBudget(Duration remaining) {
        Duration reserve = sendReserve.compareTo(remaining.dividedBy(2)) < 0 ? sendReserve : remaining.dividedBy(2);
        return remaining.minus(reserve);
    }
}
