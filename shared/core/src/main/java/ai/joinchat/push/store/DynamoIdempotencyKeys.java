package ai.joinchat.push.store;

import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** {@link IdempotencyKeys} in the DynamoDB table of {@code IDEMPOTENCY_TABLE}, expiring by TTL. */
public final class DynamoIdempotencyKeys implements IdempotencyKeys {

    public static final Duration WINDOW = Duration.ofHours(24);

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoIdempotencyKeys(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<Reservation> reserve(String pageId, String key, String requestHash, String messageId,
                                         String responseBody, Instant now) {
        Map<String, AttributeValue> item = Map.of(
                "idempotency_key", AttributeValue.fromS(id(pageId, key)),
                "request_hash", AttributeValue.fromS(requestHash),
                "message_id", AttributeValue.fromS(messageId),
                "response", AttributeValue.fromS(responseBody),
                "completed", AttributeValue.fromBool(false),
                "created_at", AttributeValue.fromS(now.toString()),
                "expires_at", AttributeValue.fromN(Long.toString(now.plus(WINDOW).getEpochSecond())));
        try {
            dynamo.putItem(r -> r.tableName(table).item(item)
                    // TTL deletion lags: an expired reservation counts as absent.
                    .conditionExpression("attribute_not_exists(idempotency_key) OR expires_at < :now")
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond()))))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> old = e.item();
            if (old == null || old.isEmpty()) {
                old = readReservation(pageId, key);
            }
            return Optional.of(new Reservation(old.get("request_hash").s(), old.get("message_id").s(),
                    old.get("response").s(), Boolean.TRUE.equals(old.get("completed").bool()),
                    old.containsKey("created_at") ? Instant.parse(old.get("created_at").s()) : null));
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    /** The fallback read when DynamoDB returned no old item with the failed condition. */
    private Map<String, AttributeValue> readReservation(String pageId, String key) {
        try {
            return dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                    .key(Map.of("idempotency_key", AttributeValue.fromS(id(pageId, key))))).item();
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    @Override
    public void complete(String pageId, String key) {
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(Map.of("idempotency_key", AttributeValue.fromS(id(pageId, key))))
                    .updateExpression("SET completed = :t")
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true))));
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    @Override
    public void release(String pageId, String key) {
        try {
            dynamo.deleteItem(r -> r.tableName(table)
                    .key(Map.of("idempotency_key", AttributeValue.fromS(id(pageId, key)))));
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    private static String id(String pageId, String key) {
        return pageId + "#" + key;
    }
}
