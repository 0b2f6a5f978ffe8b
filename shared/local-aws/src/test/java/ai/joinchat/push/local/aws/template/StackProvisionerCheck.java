package ai.joinchat.push.local.aws.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.joinchat.push.local.aws.junit.LocalAws;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Shared by the tests that provision the project's template on different backends. */
public final class StackProvisionerCheck {

    private StackProvisionerCheck() {
    }

    /** What provisioning template.yaml as stack "test" must give, on any backend. */
    public static void assertProjectStackProvisioned(LocalAws aws) throws Exception {
        ProvisionedStack stack = aws.stack();
        assertEquals(List.of("MessagesTable", "ContactBindingsTable", "ContactStateTable", "IdempotencyKeysTable", "WebhookEventsTable"),
                List.copyOf(stack.tables().keySet()));
        assertEquals("test-MessagesTable", stack.tableName("MessagesTable"));

        TableDescription messages = aws.dynamoDb().describeTable(b -> b.tableName("test-MessagesTable")).table();
        assertEquals(List.of(KeySchemaElement.builder().attributeName("message_id").keyType("HASH").build()), messages.keySchema());
        assertEquals(BillingMode.PAY_PER_REQUEST, messages.billingModeSummary().billingMode());
        Map<String, GlobalSecondaryIndexDescription> indexes = new TreeMap<>();
        messages.globalSecondaryIndexes().forEach(index -> indexes.put(index.indexName(), index));
        assertEquals(List.of("by_facebook_message_id", "by_recipient"), List.copyOf(indexes.keySet()));
        assertEquals(List.of("recipient_psid_key", "sent_at"),
                indexes.get("by_recipient").keySchema().stream().map(KeySchemaElement::attributeName).toList());
        assertEquals(ProjectionType.KEYS_ONLY, indexes.get("by_facebook_message_id").projection().projectionType());

        TableDescription bindings = aws.dynamoDb().describeTable(b -> b.tableName("test-ContactBindingsTable")).table();
        assertEquals(List.of("page_id", "contact"), bindings.keySchema().stream().map(KeySchemaElement::attributeName).toList());

        String queueUrl = stack.queueUrl("MessageQueue");
        Map<QueueAttributeName, String> queue = aws.sqs().getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.ALL)).attributes();
        JsonNode redrivePolicy = new ObjectMapper().readTree(queue.get(QueueAttributeName.REDRIVE_POLICY));
        assertEquals(5, redrivePolicy.get("maxReceiveCount").asInt());
        assertEquals(stack.queueArn("MessageDeadLetterQueue"), redrivePolicy.get("deadLetterTargetArn").asText());
        assertEquals("180", queue.get(QueueAttributeName.VISIBILITY_TIMEOUT));
        // ElasticMQ neither keeps nor reports MessageRetentionPeriod; LocalStack does.
        if (queue.containsKey(QueueAttributeName.MESSAGE_RETENTION_PERIOD)) {
            assertEquals("345600", queue.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD));
        }
        assertTrue(stack.queueArn("MessageQueue").endsWith(":test-MessageQueue"), stack.queueArn("MessageQueue"));

        String deadLetterUrl = stack.queueUrl("MessageDeadLetterQueue");
        Map<QueueAttributeName, String> deadLetterQueue = aws.sqs().getQueueAttributes(b -> b.queueUrl(deadLetterUrl)
                .attributeNames(QueueAttributeName.ALL)).attributes();
        assertEquals(stack.queueArn("MessageDeadLetterQueue"), deadLetterQueue.get(QueueAttributeName.QUEUE_ARN));
        if (deadLetterQueue.containsKey(QueueAttributeName.MESSAGE_RETENTION_PERIOD)) {
            assertEquals("1209600", deadLetterQueue.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD));
        }
    }
}
