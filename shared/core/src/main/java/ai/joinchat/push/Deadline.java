package ai.joinchat.push;

import java.time.Duration;

/**
 * The point in time by which one invocation must have answered, derived once from the time
 * Lambda says is left, and handed to every AWS and Graph call so that none of them can outlive
 * it. Monotonic (nanoTime), immutable, thread-safe.
 */
public final class Deadline {

    private static final Duration UNBOUNDED = Duration.ofDays(1);

    private final long deadlineNanos;

    private Deadline(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** A deadline {@code duration} from now (a negative duration is already expired). */
    public static Deadline in(Duration duration) {
        return new Deadline(System.nanoTime() + duration.toNanos());
    }

    /** No invocation deadline (tools, tests): each call keeps its client's own time limits. */
    public static Deadline none() {
        return in(UNBOUNDED);
    }

    /**
     * The deadline of an invocation with {@code remaining} time left, keeping {@code reserve} for
     * answering: at least half of what is left stays usable.
     */
    public static Deadline ofRemaining(Duration remaining, Duration reserve) {
        Duration kept = reserve.compareTo(remaining.dividedBy(2)) < 0 ? reserve : remaining.dividedBy(2);
        return in(remaining.minus(kept));
    }

    public Duration remaining() {
        return Duration.ofNanos(deadlineNanos - System.nanoTime());
    }

    public boolean expired() {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    /** What is left, but no more than {@code cap}; never below one millisecond. */
    public Duration cap(Duration cap) {
        Duration left = remaining();
        Duration bounded = left.compareTo(cap) < 0 ? left : cap;
        return bounded.toMillis() < 1 ? Duration.ofMillis(1) : bounded;
    }

    /** This deadline moved earlier by {@code margin} (to keep time for what must follow). */
    public Deadline minus(Duration margin) {
        return new Deadline(deadlineNanos - margin.toNanos());
    }

    @Override
    public String toString() {
        return "Deadline[" + remaining().toMillis() + " ms left]";
    }
}
