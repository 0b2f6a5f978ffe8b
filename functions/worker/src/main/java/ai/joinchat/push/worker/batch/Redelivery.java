package ai.joinchat.push.worker.batch;

import java.time.Duration;

/**
 * When SQS hands a record back. Lambda's event source leaves a failed record invisible for the
 * queue's whole visibility timeout; a record that only waits for a decision must come back
 * sooner, and one that would otherwise reach the dead-letter queue without ever being attempted
 * goes back to the queue as a fresh copy.
 */
public interface Redelivery {

    /** Makes this receive of the record visible again after {@code delay} (best effort). */
    void retryIn(SqsRecord record, Duration delay);

    /**
     * Puts {@code body} (the message, or a throttled message's copy) back on the queue with the
     * record's attributes, visible after {@code delay}: the copy starts a new receive count. The
     * original may then be acknowledged; a duplicate is harmless because the delivery record
     * decides what is sent.
     *
     * @return false when the queue did not take it (the original must then stay failed)
     */
    boolean requeue(SqsRecord record, String body, Duration delay);
}
