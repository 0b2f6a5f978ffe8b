package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.queue.QueuedMessage;

import java.time.Duration;

/**
 * What SQS is told about one record once its batch is done, chosen where the outcome is decided.
 * On the last receive an unattempted message goes back as a fresh copy and one attempted without
 * an answer is recorded {@code failed}, so no status says queued for a message that is not retried.
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
    }

    /** {@code copy} goes back on the queue with a fresh receive count; {@code ifRefused} when refused. */
    record Requeue(QueuedMessage copy, Duration delay, Disposition ifRefused) implements Disposition {
    }

    /** Handed back on its last receive (or unreadable): SQS moves it to the dead-letter queue. */
    record DeadLetter() implements Disposition {
    }

    /** The last receive ended without a delivery: recorded {@code failed} (retryable), then dead-lettered. */
    record GiveUp(DeliveryOutcome why) implements Disposition {
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

    /** Back on the queue until its page's slot (whole seconds: the copy waits the rest inline). */
    static Disposition untilSlot(QueuedMessage copy, Duration wait) {
        Duration delay = Duration.ofSeconds(Math.max(0, wait.getSeconds()));
        return new Requeue(copy, delay, new RetryIn(delay));
    }

    /** Attempted, but no answer was recorded (a dependency failed, an unexpected error): retried, or given up. */
    static Disposition withoutAnswer(boolean lastReceive, DeliveryOutcome why) {
        return lastReceive ? new GiveUp(why) : new Retry();
    }
}
