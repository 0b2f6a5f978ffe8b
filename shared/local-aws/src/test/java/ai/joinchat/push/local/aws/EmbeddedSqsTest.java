package ai.joinchat.push.local.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The embedded backends' ElasticMQ through the real SDK (AWS JSON protocol): delays, receive counts, redrive. */
class EmbeddedSqsTest {

    private static EmbeddedAwsBackends backends;
    private static SqsClient sqs;

    @BeforeAll
    static void start() {
        backends = EmbeddedAwsBackends.start(0, 0, 0);
        sqs = backends.sqs();
    }

    @AfterAll
    static void stop() {
        sqs.close();
        backends.close();
    }

    @Test
    void endpointIsOnLoopback() {
        assertEquals("127.0.0.1", backends.sqsEndpoint().getHost());
        assertTrue(backends.sqsEndpoint().getPort() > 0);
    }

    @Test
    void delayedMessageArrivesAfterItsDelay() {
        String queueUrl = sqs.createQueue(b -> b.queueName("delay-test")).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("later").delaySeconds(2));

        assertTrue(receive(queueUrl, 0).isEmpty(), "a delayed message must not be receivable at once");

        long started = System.nanoTime();
        List<Message> received = List.of();
        while (received.isEmpty() && System.nanoTime() - started < Duration.ofSeconds(6).toNanos()) {
            received = receive(queueUrl, 1);
        }
        assertEquals(1, received.size());
        assertEquals("later", received.get(0).body());
    }

    @Test
    void receiveCountAndMessageAttributesAreReported() {
        String queueUrl = sqs.createQueue(b -> b.queueName("attributes-test")
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "0"))).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("{\"a\":1}")
                .messageAttributes(Map.of("page_id", MessageAttributeValue.builder()
                        .dataType("String").stringValue("123").build())));

        Message first = receive(queueUrl, 1).get(0);
        Message second = receive(queueUrl, 1).get(0);

        assertEquals("1", first.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
        assertEquals("2", second.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
        assertEquals("123", second.messageAttributes().get("page_id").stringValue());
        assertEquals(first.messageId(), second.messageId());
    }

    @Test
    void messageMovesToDeadLetterQueueAfterMaxReceiveCount() {
        String deadLetterUrl = sqs.createQueue(b -> b.queueName("redrive-test-dlq")).queueUrl();
        String deadLetterArn = sqs.getQueueAttributes(b -> b.queueUrl(deadLetterUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        String queueUrl = sqs.createQueue(b -> b.queueName("redrive-test").attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, "0",
                QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\":\"" + deadLetterArn + "\",\"maxReceiveCount\":3}"))).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("poison"));

        for (int attempt = 1; attempt <= 3; attempt++) {
            assertEquals(1, receive(queueUrl, 1).size(), "receive " + attempt);
        }
        assertTrue(receive(queueUrl, 1).isEmpty(), "after 3 receives the message must have left the queue");

        List<Message> dead = receive(deadLetterUrl, 1);
        assertEquals(1, dead.size());
        assertEquals("poison", dead.get(0).body());
    }

    private List<Message> receive(String queueUrl, int waitSeconds) {
        return sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
    }
}
