package ai.joinchat.push.queue;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.util.Map;

/** {@link OutboundQueue} on the SQS queue of {@code QUEUE_URL}; the delay becomes DelaySeconds. */
public record SqsOutboundQueue(SqsClient sqs, String queueUrl) implements OutboundQueue {

    @Override
    public void enqueue(QueuedMessage message, int delaySeconds, Deadline deadline) {
        SdkFailures.run("SQS", () -> sqs.sendMessage(r -> r.queueUrl(queueUrl)
                .messageBody(message.toJson())
                .delaySeconds(delaySeconds)
                .messageAttributes(Map.of(
                        "message_id", MessageAttributeValue.builder().dataType("String").stringValue(message.messageId()).build(),
                        "page_id", MessageAttributeValue.builder().dataType("String").stringValue(message.pageId()).build()))
                .overrideConfiguration(SdkFailures.within(deadline, "SQS"))));
    }
}
