package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
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
import java.util.ArrayList;
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
    public Optional<Reservation> claim(String pageId, List<String> keys, Reservation mine, MessageRecord pending,
                                       String previousHolder, Instant now, Deadline deadline) {
        List<TransactWriteItem> items = new ArrayList<>();
        items.add(TransactWriteItem.builder().put(records.pendingPut(pending)).build());
        for (String key : keys) {
            items.add(TransactWriteItem.builder().put(keyPut(pageId, key, mine, previousHolder, now)).build());
        }
        String token = UUID.nameUUIDFromBytes((mine.messageId() + '\n' + previousHolder)
                .getBytes(StandardCharsets.UTF_8)).toString();
        try {
            dynamo.transactWriteItems(r -> r.clientRequestToken(token).transactItems(items)
                    .overrideConfiguration(AwsCalls.within(deadline, "DynamoDB")));
            return Optional.empty();
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            for (int i = 1; i < reasons.size() && i <= keys.size(); i++) {
                CancellationReason reason = reasons.get(i);
                if (!CONDITION_FAILED.equals(reason.code())) {
                    continue;
                }
                Map<String, AttributeValue> old = reason.hasItem() && !reason.item().isEmpty()
                        ? reason.item() : read(pageId, keys.get(i - 1), deadline);
                if (old == null || old.isEmpty()) {
                    throw SdkFailures.unavailable("DynamoDB", e); // gone meanwhile: try again later
                }
                Reservation earlier = new Reservation(old.get("request_hash").s(), old.get("message_id").s(),
                        old.get("response").s());
                if (!earlier.messageId().equals(mine.messageId())) {
                    return Optional.of(earlier);
                }
            }
            if (reasons.stream().skip(1).allMatch(r -> CONDITION_FAILED.equals(r.code()))) {
                return Optional.empty(); // our own earlier try (a lost reply the SDK retried): every item is ours
            }
            // A conflicting transaction or throttling: nothing was written; the caller answers 503.
            throw SdkFailures.unavailable("DynamoDB", e);
        } catch (SdkException e) {
            throw SdkFailures.unavailable("DynamoDB", e);
        }
    }

    private Put keyPut(String pageId, String key, Reservation mine, String previousHolder, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("idempotency_key", AttributeValue.fromS(id(pageId, key)));
        item.put("request_hash", AttributeValue.fromS(mine.requestHash()));
        item.put("message_id", AttributeValue.fromS(mine.messageId()));
        item.put("response", AttributeValue.fromS(mine.responseBody()));
        item.put("created_at", AttributeValue.fromS(now.toString()));
        item.put("expires_at", AttributeValue.fromN(Long.toString(now.plus(WINDOW).getEpochSecond())));
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())));
        // TTL deletion lags: an expired key counts as free.
        String condition = "attribute_not_exists(idempotency_key) OR expires_at < :now";
        if (previousHolder != null) {
            values.put(":previous", AttributeValue.fromS(previousHolder));
            condition += " OR message_id = :previous";
        }
        return Put.builder().tableName(table).item(item).conditionExpression(condition)
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build();
    }

    private Map<String, AttributeValue> read(String pageId, String key, Deadline deadline) {
        return SdkFailures.call("DynamoDB", () -> dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("idempotency_key", AttributeValue.fromS(id(pageId, key))))
                .overrideConfiguration(AwsCalls.within(deadline, "DynamoDB"))).item());
    }

    private static String id(String pageId, String key) {
        return pageId + "#" + key;
    }
}
