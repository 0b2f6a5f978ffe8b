package ai.joinchat.push.worker.batch;

import java.util.Map;
import java.util.Optional;

/** One record of an SQS event as Lambda delivers it: only what the worker uses. */
public record SqsRecord(String messageId, String body, int receiveCount, String receiptHandle, String eventSourceArn,
                        Map<String, String> attributes) {

    public SqsRecord {
        body = body == null ? "" : body;
        receiveCount = Math.max(1, receiveCount);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The queued message's id from the {@code message_id} attribute, whatever the body holds. */
    public Optional<String> queuedMessageId() {
        return Optional.ofNullable(attributes.get("message_id")).filter(id -> !id.isBlank());
    }
}
