package ai.joinchat.push.local.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** DynamoDB Local in this JVM, through the real SDK. */
class EmbeddedDynamoDbTest {

    @Test
    void storesAndReadsItemsOnLoopback() {
        try (EmbeddedDynamoDb server = EmbeddedDynamoDb.start(0);
             DynamoDbClient dynamoDb = new EndpointOnlyBackends(server.endpoint()).dynamoDb()) {
            assertEquals("127.0.0.1", server.endpoint().getHost());
            dynamoDb.createTable(b -> b.tableName("items")
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST));
            dynamoDb.putItem(b -> b.tableName("items").item(Map.of(
                    "id", AttributeValue.fromS("a"), "n", AttributeValue.fromN("42"))));

            Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName("items")
                    .key(Map.of("id", AttributeValue.fromS("a"))).consistentRead(true)).item();

            assertEquals("42", item.get("n").n());
        }
    }

    @Test
    void nativeLibrariesAreExtractedOnce() {
        Path first = Sqlite4javaNatives.install();
        Path second = Sqlite4javaNatives.install();

        assertEquals(first, second);
        assertEquals(first.toString(), System.getProperty(Sqlite4javaNatives.LIBRARY_PATH_PROPERTY));
        assertTrue(Files.isDirectory(first));
    }
}
