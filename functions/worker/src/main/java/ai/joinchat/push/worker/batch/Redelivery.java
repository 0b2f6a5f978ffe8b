package ai.joinchat.push.worker.batch;

import java.time.Duration;

/** When SQS hands a record back: sooner than the visibility timeout, or as a fresh copy. */
public interface Redelivery {

    /** Makes this receive of the record visible again after {@code delay} (best effort). */
    void retryIn(SqsRecord record, Duration delay);

    /**
     * Puts {@code body} back on the queue with the record's attributes and a new receive count;
     * false when the queue did not take it. A duplicate is harmless: the record decides what is sent.
     */
    boolean requeue(SqsRecord record, String body, Duration delay);
}
