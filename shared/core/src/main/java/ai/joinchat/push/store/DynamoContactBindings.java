package ai.joinchat.push.store;

import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/** {@link ContactBindings} in the DynamoDB table of {@code CONTACT_BINDINGS_TABLE} (page_id, contact). */
public final class DynamoContactBindings implements ContactBindings {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoContactBindings(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public Optional<String> psidFor(String pageId, String contactKey) {
        try {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                    .key(Map.of("page_id", AttributeValue.fromS(pageId), "contact", AttributeValue.fromS(contactKey)))).item();
            if (item == null || !item.containsKey("psid")) {
                return Optional.empty();
            }
            return Optional.of(item.get("psid").s());
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    @Override
    public boolean bind(String pageId, String contactKey, String psid, long eventTimestampMillis, String source) {
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of(
                            "page_id", AttributeValue.fromS(pageId),
                            "contact", AttributeValue.fromS(contactKey),
                            "psid", AttributeValue.fromS(psid),
                            "bound_at", AttributeValue.fromN(Long.toString(eventTimestampMillis)),
                            "source", AttributeValue.fromS(source),
                            "updated_at", AttributeValue.fromS(clock.instant().toString())))
                    .conditionExpression("attribute_not_exists(contact) OR bound_at <= :ts")
                    .expressionAttributeValues(Map.of(":ts", AttributeValue.fromN(Long.toString(eventTimestampMillis)))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }
}
