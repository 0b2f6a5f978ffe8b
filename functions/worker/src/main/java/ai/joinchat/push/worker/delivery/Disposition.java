package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.queue.QueuedMessage;

import java.time.Duration;
import java.util.Objects;

/**
 * What SQS is told about one record once its batch is done: the whole of the batch rules. Each
 * outcome chooses its disposition where it is decided (the delivery, or the batch processor for
 * messages it does not start); the batch processor only carries it out.
 *
 * <p>On the last receive the queue allows, a message nobody attempted goes back as a fresh copy
 * ({@link #unattempted}) and one whose attempt ended without an answer is recorded {@code failed}
 * ({@link #withoutAnswer}), so no status says queued for a message that will not be attempted again.
 */
public sealed interface Disposition {

    /** Deleted from the queue: delivered, settled, dropped, failed for good, or carried on by a copy. */
    record Ack() implements Disposition {
    }

    /** Handed back ({@code batchItemFailures}): SQS offers it again after the queue's visibility timeout. */
    record Retry() implements Disposition {
    }

    /** Handed back, visible again after {@code delay}: sooner than the queue's visibility timeout. */
    record RetryIn(Duration delay) implements Disposition {
        public RetryIn {
            Objects.requireNonNull(delay, "delay");
        }
    }

    /**
     * {@code copy} goes back on the queue, visible after {@code delay} and with a fresh receive
     * count, and this receive is deleted; when the queue refuses the copy, {@code ifRefused}.
     */
    record Requeue(QueuedMessage copy, Duration delay, Disposition ifRefused) implements Disposition {
        public Requeue {
            Objects.requireNonNull(copy, "copy");
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(ifRefused, "ifRefused");
        }
    }

    /** Handed back on its last receive (or unreadable): SQS moves it to the dead-letter queue. */
    record DeadLetter() implements Disposition {
    }

    /** The last receive ended without a delivery: recorded {@code failed} (retryable), then dead-lettered. */
    record GiveUp(DeliveryOutcome why) implements Disposition {
        public GiveUp {
            Objects.requireNonNull(why, "why");
        }
    }

    /** True when the message comes back: later messages to its recipient wait for it. */
    default boolean comesBack() {
        return this instanceof Retry || this instanceof RetryIn || this instanceof Requeue;
    }

    /** Not attempted (nothing asked of Facebook): back after the queue's timeout; on the last receive, a fresh copy. */
    static Disposition unattempted(QueuedMessage message, boolean lastReceive, DeliveryOutcome why) {
        return lastReceive ? new Requeue(message, Duration.ZERO, new GiveUp(why)) : new Retry();
    }

    /** Not attempted, to come back after {@code delay}; on the last receive, a fresh copy delayed as much. */
    static Disposition unattempted(QueuedMessage message, boolean lastReceive, DeliveryOutcome why, Duration delay) {
        return lastReceive ? new Requeue(message, delay, new GiveUp(why)) : new RetryIn(delay);
    }

    /**
     * Throttled, or its page's pace has no slot for it yet: {@code copy} goes back on the queue until
     * {@code wait} is over (whole seconds, SQS's unit, rounded down: the copy waits the rest inline),
     * spending none of its receives; if the queue refuses it, this receive comes back then instead.
     */
    static Disposition untilSlot(QueuedMessage copy, Duration wait) {
        Duration delay = Duration.ofSeconds(Math.max(0, wait.getSeconds()));
        return new Requeue(copy, delay, new RetryIn(delay));
    }

    /** Attempted, but no answer was recorded (a dependency failed, an unexpected error): retried, or given up. */
    static Disposition withoutAnswer(boolean lastReceive, DeliveryOutcome why) {
        return lastReceive ? new GiveUp(why) : new Retry();
    }
}
