package ai.joinchat.push.worker;

import java.util.Objects;

/**
 * One record of an SQS event as Lambda delivers it: only what the worker uses.
 *
 * @param messageId    SQS's message id, the {@code itemIdentifier} of a batch item failure
 * @param body         the message body (a {@link ai.joinchat.push.queue.QueuedMessage} as JSON)
 * @param receiveCount {@code attributes.ApproximateReceiveCount}, at least 1
 * @param receiptHandle this receive's handle (to change its visibility), or null when unknown
 * @param eventSourceArn the queue it came from ({@code eventSourceARN}), or null when unknown
 */
public record SqsRecord(String messageId, String body, int receiveCount, String receiptHandle, String eventSourceArn) {

    public SqsRecord {
        Objects.requireNonNull(messageId, "messageId");
        body = body == null ? "" : body;
        receiveCount = Math.max(1, receiveCount);
    }

    public SqsRecord(String messageId, String body, int receiveCount) {
        this(messageId, body, receiveCount, null, null);
    }
}
