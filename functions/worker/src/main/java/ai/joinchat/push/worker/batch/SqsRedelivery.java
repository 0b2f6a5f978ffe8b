package ai.joinchat.push.worker.batch;

import ai.joinchat.push.observability.JsonLogger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@link SqsBatchProcessor.Redelivery} on the worker's own queue ({@code QUEUE_URL}). */
public record SqsRedelivery(SqsClient sqs, String queueUrl, JsonLogger logger) implements SqsBatchProcessor.Redelivery {

    /** SQS's largest DelaySeconds. */
    static final long MAX_DELAY_SECONDS = 900;
    /** SQS's largest visibility timeout (12 h). */
    static final long MAX_VISIBILITY_SECONDS = 43_200;

    @Override
    public void retryIn(SqsRecord record, Duration delay) {
        if (record.receiptHandle() == null) {
            return;
        }
        int seconds = seconds(delay, MAX_VISIBILITY_SECONDS);
        try {
            sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(record.receiptHandle())
                    .visibilityTimeout(seconds));
        } catch (SdkException e) {
            // The queue's own visibility timeout then applies: later, never lost.
            logger.warn("visibility_change_failed").with("sqs_message_id", record.messageId()).with(e).write();
        }
    }

    @Override
    public boolean requeue(SqsRecord record, String body, Duration delay) {
        int seconds = seconds(delay, MAX_DELAY_SECONDS);
        try {
            // The copy keeps the attributes (message_id), so even an unreadable body can be recorded.
            Map<String, MessageAttributeValue> attributes = new HashMap<>();
            record.attributes().forEach((name, value) -> attributes.put(name,
                    MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body).delaySeconds(seconds)
                    .messageAttributes(attributes));
            return true;
        } catch (SdkException e) {
            logger.warn("requeue_failed").with("sqs_message_id", record.messageId()).with(e).write();
            return false;
        }
    }

    private static int seconds(Duration delay, long max) {
        return (int) Math.min(max, Math.max(0, (delay.toMillis() + 999) / 1000));
    }
}
