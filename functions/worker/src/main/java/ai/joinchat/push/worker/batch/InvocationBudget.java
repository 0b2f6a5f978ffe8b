package ai.joinchat.push.worker.batch;

import ai.joinchat.push.Deadline;

import java.time.Duration;
import java.util.Objects;

/**
 * The deadlines of one invocation, from the time Lambda says is left: every AWS and Graph call of
 * the batch ends by {@link #deadline}, and no message is started after {@link #startBy}, so the
 * last send can finish.
 *
 * @param sendReserve what one send may take (the Graph timeout and some margin)
 */
public record InvocationBudget(Duration sendReserve) {

    /** Kept from the invocation's time for the batch response and the redelivery calls after the deliveries. */
    static final Duration INVOCATION_RESERVE = Duration.ofSeconds(2);

    public InvocationBudget {
        Objects.requireNonNull(sendReserve, "sendReserve");
    }

    /** The invocation's deadline: every AWS and Graph call of the batch ends by it. */
    public Deadline deadline(Duration remaining) {
        return Deadline.ofRemaining(remaining, INVOCATION_RESERVE);
    }

    /** When new messages stop being started: {@link #timeBudget} from now. */
    public Deadline startBy(Duration remaining) {
        return Deadline.in(timeBudget(remaining));
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
