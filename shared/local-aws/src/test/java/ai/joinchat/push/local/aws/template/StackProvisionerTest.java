package ai.joinchat.push.local.aws.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

@ExtendWith(LocalAwsExtension.class)
class StackProvisionerTest {

    @Test
    void createsTheProjectsTablesAndQueues(LocalAws aws) throws Exception {
        StackProvisionerCheck.assertProjectStackProvisioned(aws);
    }

    @Test
    void environmentIsResolvedAgainstTheStack(LocalAws aws) {
        Map<String, String> sendApi = aws.stack().environmentOf("SendApiFunction");
        Map<String, String> worker = aws.functionEnvironment("WorkerFunction");

        assertEquals(aws.stack().queueUrl("MessageQueue"), sendApi.get("QUEUE_URL"));
        assertEquals("test-MessagesTable", sendApi.get("MESSAGES_TABLE"));
        assertEquals("test-IdempotencyKeysTable", sendApi.get("IDEMPOTENCY_TABLE"));
        assertEquals("300", sendApi.get("SECRET_CACHE_TTL_SECONDS"));
        assertEquals("joinchat/pages/", sendApi.get("PAGE_SECRET_PREFIX"));
        assertEquals("drop", sendApi.get("LEGACY_TAG_POLICY"));
        assertEquals("5", worker.get("MAX_RECEIVE_COUNT"));
        assertEquals("v25.0", worker.get("GRAPH_API_VERSION"));
        assertEquals("false", worker.get("PHONE_NUMBER_FALLBACK"));
        assertEquals("test-ContactBindingsTable", worker.get("CONTACT_BINDINGS_TABLE"));
        assertEquals(aws.backends().sqsEndpoint().toString(), worker.get("AWS_ENDPOINT_URL_SQS"));
        assertEquals(aws.backends().dynamoDbEndpoint().toString(), worker.get("AWS_ENDPOINT_URL_DYNAMODB"));
        assertEquals(aws.backends().secretsManagerEndpoint().toString(), worker.get("AWS_ENDPOINT_URL_SECRETS_MANAGER"));
        assertEquals("us-east-1", worker.get("AWS_REGION"));
    }

    @Test
    void provisioningAgainReusesTheResources(LocalAws aws) {
        ProvisionedStack again = new StackProvisioner().provision(aws.stack().template(), "test", aws.dynamoDb(), aws.sqs());

        assertEquals(aws.stack().tables(), again.tables());
        assertEquals(aws.stack().queues(), again.queues());
        assertEquals(aws.stack().queueArn("MessageDeadLetterQueue"), again.queueArn("MessageDeadLetterQueue"));
    }

    @Test
    void messageGoesToTheDeadLetterQueueAfterMaxReceiveCount(LocalAws aws) {
        SamTemplate template = new TemplateDocument(SamTemplate.read(Path.of("../../template.yaml")))
                .withParameters(Map.of("MaxReceiveCount", "2")).template();
        ProvisionedStack stack = new StackProvisioner().provision(template, "redrive", aws.dynamoDb(), aws.sqs());
        SqsClient sqs = aws.sqs();
        String queueUrl = stack.queueUrl("MessageQueue");
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("undeliverable"));

        for (int receive = 1; receive <= 2; receive++) {
            List<Message> messages = receiveNow(sqs, queueUrl);
            assertEquals(1, messages.size(), "receive " + receive);
            assertEquals(String.valueOf(receive), messages.get(0).attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
            String receipt = messages.get(0).receiptHandle();
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(receipt).visibilityTimeout(0));
        }

        assertTrue(receiveNow(sqs, queueUrl).isEmpty(), "a third receive finds the message gone");
        List<Message> dead = receiveNow(sqs, stack.queueUrl("MessageDeadLetterQueue"));
        assertEquals(1, dead.size());
        assertEquals("undeliverable", dead.get(0).body());
    }

    @Test
    void aTableOrQueueWithAConditionIsRefused(LocalAws aws) {
        SamTemplate template = SamTemplate.parse("""
                Resources:
                  Queue:
                    Type: AWS::SQS::Queue
                    Condition: Sometimes
                """);

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new StackProvisioner().provision(template, "conditional", aws.dynamoDb(), aws.sqs()));

        assertTrue(refused.getMessage().startsWith("Queue has a Condition"), refused.getMessage());
    }

    @Test
    void tablesAreUsable(LocalAws aws) {
        DynamoDbClient dynamoDb = aws.dynamoDb();
        String table = aws.tableName("ContactBindingsTable");

        dynamoDb.putItem(b -> b.tableName(table).item(Map.of(
                "page_id", AttributeValue.fromS("p1"),
                "contact", AttributeValue.fromS("uuid#42"))));

        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of(
                "page_id", AttributeValue.fromS("p1"), "contact", AttributeValue.fromS("uuid#42")))).item();
        assertEquals("uuid#42", item.get("contact").s());
    }

    @Test
    void aTableGetsItsDeclaredStreamAndStreamArnResolves(LocalAws aws) {
        String table = """
                Resources:
                  Things:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      BillingMode: PAY_PER_REQUEST
                      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                      KeySchema: [{AttributeName: id, KeyType: HASH}]
                """;
        String withStream = table + """
                      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: {Variables: {THINGS_STREAM: !GetAtt Things.StreamArn}}
                """;
        ProvisionedStack without = new StackProvisioner().provision(SamTemplate.parse(table), "streamless", aws.dynamoDb(), aws.sqs());
        assertTrue(without.tables().get("Things").streamArn().isEmpty());

        ProvisionedStack stack = new StackProvisioner().provision(SamTemplate.parse(withStream), "streamless",
                aws.dynamoDb(), aws.sqs());

        TableDescription described = aws.dynamoDb().describeTable(b -> b.tableName("streamless-Things")).table();
        assertTrue(described.streamSpecification().streamEnabled(), "the existing table got the declared stream");
        assertEquals(StreamViewType.NEW_AND_OLD_IMAGES, described.streamSpecification().streamViewType());
        assertEquals(described.latestStreamArn(), stack.streamArn("Things"));
        assertEquals(described.latestStreamArn(), stack.environmentOf("Fn").get("THINGS_STREAM"));
        assertThrows(IllegalArgumentException.class, () -> without.streamArn("Things"));
    }

    private static List<Message> receiveNow(SqsClient sqs, String queueUrl) {
        return sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
    }
}
