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
        return put(pageId, contactKey, psid, eventTimestampMillis, source,
                "attribute_not_exists(contact) OR bound_at <= :ts", Map.of());
    }

    @Override
    public boolean bindIfUnbound(String pageId, String contactKey, String psid, long eventTimestampMillis, String source) {
        return put(pageId, contactKey, psid, eventTimestampMillis, source,
                "attribute_not_exists(contact) OR (psid = :psid AND bound_at <= :ts)",
                Map.of(":psid", AttributeValue.fromS(psid)));
    }

    private boolean put(String pageId, String contactKey, String psid, long eventTimestampMillis, String source,
                        String condition, Map<String, AttributeValue> extraValues) {
        Map<String, AttributeValue> values = new java.util.HashMap<>(extraValues);
        values.put(":ts", AttributeValue.fromN(Long.toString(eventTimestampMillis)));
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of(
                            "page_id", AttributeValue.fromS(pageId),
                            "contact", AttributeValue.fromS(contactKey),
                            "psid", AttributeValue.fromS(psid),
                            "bound_at", AttributeValue.fromN(Long.toString(eventTimestampMillis)),
                            "source", AttributeValue.fromS(source),
                            "updated_at", AttributeValue.fromS(clock.instant().toString())))
                    .conditionExpression(condition)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }
}
