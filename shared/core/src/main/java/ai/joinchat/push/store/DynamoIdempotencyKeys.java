package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.AwsCalls;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link IdempotencyKeys} in the DynamoDB table of {@code IDEMPOTENCY_TABLE}, expiring by TTL; the
 * key and the pending record are written with one TransactWriteItems, whose client request token
 * makes the SDK's own retry of a lost reply harmless.
 */
public final class DynamoIdempotencyKeys implements IdempotencyKeys {

    public static final Duration WINDOW = Duration.ofHours(24);
    private static final String CONDITION_FAILED = "ConditionalCheckFailed";

    private final DynamoDbClient dynamo;
    private final String table;
    private final DynamoMessageRecords records;

    public DynamoIdempotencyKeys(DynamoDbClient dynamo, String table, DynamoMessageRecords records) {
        this.dynamo = dynamo;
        this.table = table;
        this.records = records;
    }

    @Override
    public Optional<Reservation> claim(String pageId, String key, Reservation mine, MessageRecord pending,
                                       String previousHolder, Instant now, Deadline deadline) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("idempotency_key", AttributeValue.fromS(id(pageId, key)));
        item.put("request_hash", AttributeValue.fromS(mine.requestHash()));
        item.put("message_id", AttributeValue.fromS(mine.messageId()));
        item.put("response", AttributeValue.fromS(mine.responseBody()));
        item.put("created_at", AttributeValue.fromS(now.toString()));
        item.put("expires_at", AttributeValue.fromN(Long.toString(now.plus(WINDOW).getEpochSecond())));
        Put keyPut = previousHolder == null
                // TTL deletion lags: an expired key counts as free.
                ? Put.builder().tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(idempotency_key) OR expires_at < :now")
                        .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond()))))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()
                : Put.builder().tableName(table).item(item)
                        .conditionExpression("message_id = :previous")
                        .expressionAttributeValues(Map.of(":previous", AttributeValue.fromS(previousHolder)))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build();
        String token = UUID.nameUUIDFromBytes((mine.messageId() + '\n' + previousHolder)
                .getBytes(StandardCharsets.UTF_8)).toString();
        try {
            dynamo.transactWriteItems(r -> r.clientRequestToken(token)
                    .transactItems(TransactWriteItem.builder().put(records.pendingPut(pending)).build(),
                            TransactWriteItem.builder().put(keyPut).build())
                    .overrideConfiguration(AwsCalls.within(deadline, "DynamoDB")));
            return Optional.empty();
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            CancellationReason keyReason = reasons.size() == 2 ? reasons.get(1) : null;
            if (keyReason == null || !CONDITION_FAILED.equals(keyReason.code())) {
                // A conflicting transaction or throttling: nothing was written; the caller answers 503.
                throw new DependencyUnavailableException("DynamoDB", e);
            }
            Map<String, AttributeValue> old = keyReason.hasItem() && !keyReason.item().isEmpty()
                    ? keyReason.item() : read(pageId, key, deadline);
            if (old == null || old.isEmpty()) {
                throw new DependencyUnavailableException("DynamoDB", e); // gone meanwhile: try again later
            }
            Reservation earlier = new Reservation(old.get("request_hash").s(), old.get("message_id").s(),
                    old.get("response").s());
            // Our own earlier try (a lost reply the SDK retried): both items are ours.
            return earlier.messageId().equals(mine.messageId()) ? Optional.empty() : Optional.of(earlier);
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    private Map<String, AttributeValue> read(String pageId, String key, Deadline deadline) {
        try {
            return dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                    .key(Map.of("idempotency_key", AttributeValue.fromS(id(pageId, key))))
                    .overrideConfiguration(AwsCalls.within(deadline, "DynamoDB"))).item();
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    private static String id(String pageId, String key) {
        return pageId + "#" + key;
    }
}
