package ai.joinchat.push.worker.batch;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One record of an SQS event as Lambda delivers it: only what the worker uses.
 *
 * @param messageId    SQS's message id, the {@code itemIdentifier} of a batch item failure
 * @param body         the message body (a {@link ai.joinchat.push.queue.QueuedMessage} as JSON)
 * @param receiveCount {@code attributes.ApproximateReceiveCount}, at least 1
 * @param receiptHandle this receive's handle (to change its visibility), or null when unknown
 * @param eventSourceArn the queue it came from ({@code eventSourceARN}), or null when unknown
 * @param attributes   the string message attributes ({@code messageAttributes.*.stringValue}), such as
 *                     the {@code message_id} and {@code page_id} the send API sets
 */
public record SqsRecord(String messageId, String body, int receiveCount, String receiptHandle, String eventSourceArn,
                        Map<String, String> attributes) {

    /** The attribute naming the queued message's id, set by the send API (and kept on every copy). */
    public static final String MESSAGE_ID_ATTRIBUTE = "message_id";

    public SqsRecord {
        Objects.requireNonNull(messageId, "messageId");
        body = body == null ? "" : body;
        receiveCount = Math.max(1, receiveCount);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The queued message's id from the {@code message_id} attribute, whatever the body holds. */
    public Optional<String> queuedMessageId() {
        return Optional.ofNullable(attributes.get(MESSAGE_ID_ATTRIBUTE)).filter(id -> !id.isBlank());
    }
}
