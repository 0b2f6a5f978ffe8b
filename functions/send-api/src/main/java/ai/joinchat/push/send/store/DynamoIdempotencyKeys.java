package ai.joinchat.push.send.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.MessageRecord;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link IdempotencyKeys} in the DynamoDB table of {@code IDEMPOTENCY_TABLE}, expiring by TTL; also
 * the replay keys of timestamped imports (contract section 3): a conditional put holds
 * {@code <page_id>#import:<replay key>}, a second put stores the answer; never taken over while it lives.
 */
public record DynamoIdempotencyKeys(DynamoDbClient dynamo, String table, DynamoMessageRecords records)
        implements IdempotencyKeys {

    static final Duration WINDOW = Duration.ofHours(24);
    /** Well past the 300 s either side of a signature's timestamp, after which a repeat is refused anyway. */
    static final Duration IMPORT_WINDOW = Duration.ofHours(1);
    /** The condition of a claim: TTL deletion lags, so an expired key counts as free. */
    private static final String FREE = "attribute_not_exists(idempotency_key) OR expires_at < :now";
    private static final String DYNAMODB = "DynamoDB";
    private static final String CONDITION_FAILED = "ConditionalCheckFailed";
    private static final String KEY = "idempotency_key";
    private static final String MESSAGE_ID = "message_id";
    private static final String EXPIRES_AT = "expires_at";

    public sealed interface ImportClaim {
        /** This request is the first with the key: import, then {@link #completeImport} it. */
        record Taken() implements ImportClaim {
        }

        /** A repeat: the first request's answer. */
        record Answered(int statusCode, String body) implements ImportClaim {
        }

        /** A repeat of a request whose answer is not stored (still running, or it failed): write nothing. */
        record Unanswered() implements ImportClaim {
        }
    }

    @Override
    public IdempotencyKeys.Claim claim(List<String> keys, Reservation mine, MessageRecord pending,
                                       Optional<String> previousHolder, Instant now, Deadline deadline) {
        List<TransactWriteItem> items = new ArrayList<>();
        items.add(TransactWriteItem.builder().put(records.pendingPut(pending)).build());
        for (String key : keys) {
            items.add(TransactWriteItem.builder().put(keyPut(pending.pageId(), key, mine, previousHolder, now)).build());
        }
        // The client request token makes the SDK's own retry of a lost reply harmless.
        String token = UUID.nameUUIDFromBytes((mine.messageId() + '\n' + previousHolder.orElse(null))
                .getBytes(StandardCharsets.UTF_8)).toString();
        try {
            dynamo.transactWriteItems(r -> r.clientRequestToken(token).transactItems(items)
                    .overrideConfiguration(SdkFailures.within(deadline, DYNAMODB)));
            return new IdempotencyKeys.Claim.Won();
        } catch (TransactionCanceledException e) {
            return cancelled(keys, mine, e);
        } catch (SdkException e) {
            if (SdkFailures.certainlyNotApplied(e)) {
                return new IdempotencyKeys.Claim.NotWritten();
            }
            throw new DependencyUnavailableException(DYNAMODB, e);
        } catch (DependencyUnavailableException e) {
            return new IdempotencyKeys.Claim.NotWritten(); // the deadline had passed: no call was made
        }
    }

    /** A cancelled transaction wrote nothing: what its reasons say about the keys. */
    private static IdempotencyKeys.Claim cancelled(List<String> keys, Reservation mine,
                                                   TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        Map<String, Reservation> held = new LinkedHashMap<>();
        boolean allMine = reasons.size() == keys.size() + 1;
        for (int i = 1; i < reasons.size() && i <= keys.size(); i++) {
            CancellationReason reason = reasons.get(i);
            Map<String, AttributeValue> old = CONDITION_FAILED.equals(reason.code()) && reason.hasItem()
                    ? reason.item() : Map.of();
            if (old.isEmpty()) {
                allMine = false; // a conflict, throttling, or no old item to tell who holds it
                continue;
            }
            Reservation holder = reservation(old);
            if (!holder.messageId().equals(mine.messageId())) {
                held.put(keys.get(i - 1), holder);
                allMine = false;
            }
        }
        if (!held.isEmpty()) {
            return new IdempotencyKeys.Claim.Held(held);
        }
        if (allMine && CONDITION_FAILED.equals(reasons.get(0).code())) {
            // Our own earlier try (a lost reply the SDK retried): every item is ours.
            return new IdempotencyKeys.Claim.Won();
        }
        return new IdempotencyKeys.Claim.NotWritten();
    }

    @Override
    public Map<String, Reservation> holders(String pageId, List<String> keys, Instant now, Deadline deadline) {
        Map<String, Reservation> holders = new LinkedHashMap<>();
        for (String key : keys) {
            Map<String, AttributeValue> item;
            try {
                item = read(id(pageId, key), deadline);
            } catch (DependencyUnavailableException e) {
                if (e.getCause() instanceof ResourceNotFoundException) {
                    return Map.of(); // a table that does not exist holds no key
                }
                throw e;
            }
            boolean expired = item != null && item.containsKey(EXPIRES_AT)
                    && Long.parseLong(item.get(EXPIRES_AT).n()) < now.getEpochSecond();
            if (item != null && item.containsKey(MESSAGE_ID) && !expired) {
                holders.put(key, reservation(item));
            }
        }
        return holders;
    }

    private static Reservation reservation(Map<String, AttributeValue> item) {
        return new Reservation(item.get("request_hash").s(), item.get(MESSAGE_ID).s(), item.get("response").s());
    }

    private Put keyPut(String pageId, String key, Reservation mine, Optional<String> previousHolder, Instant now) {
        Map<String, AttributeValue> item = keyItem(id(pageId, key), now, WINDOW);
        item.put("request_hash", AttributeValue.fromS(mine.requestHash()));
        item.put(MESSAGE_ID, AttributeValue.fromS(mine.messageId()));
        item.put("response", AttributeValue.fromS(mine.responseBody()));
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())));
        String condition = FREE;
        if (previousHolder.isPresent()) {
            values.put(":previous", AttributeValue.fromS(previousHolder.get()));
            condition += " OR message_id = :previous";
        }
        return Put.builder().tableName(table).item(item).conditionExpression(condition)
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build();
    }

    private static String id(String pageId, String key) {
        return pageId + "#" + key;
    }

    public ImportClaim claimImport(String pageId, String replayKey, Instant now, Deadline deadline) {
        Map<String, AttributeValue> item = keyItem(id(pageId, "import:" + replayKey), now, IMPORT_WINDOW);
        try {
            SdkFailures.run(DYNAMODB, () -> dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression(FREE)
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond()))))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .overrideConfiguration(SdkFailures.within(deadline, DYNAMODB))));
            return new ImportClaim.Taken();
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> held = e.hasItem() && !e.item().isEmpty() ? e.item()
                    : read(id(pageId, "import:" + replayKey), deadline);
            AttributeValue status = held == null ? null : held.get("status_code");
            AttributeValue response = held == null ? null : held.get("response");
            if (status == null || response == null) {
                return new ImportClaim.Unanswered();
            }
            return new ImportClaim.Answered(Integer.parseInt(status.n()), response.s());
        }
    }

    public void completeImport(String pageId, String replayKey, int statusCode, String body, Instant now,
                               Deadline deadline) {
        Map<String, AttributeValue> item = keyItem(id(pageId, "import:" + replayKey), now, IMPORT_WINDOW);
        item.put("status_code", AttributeValue.fromN(Integer.toString(statusCode)));
        item.put("response", AttributeValue.fromS(body));
        SdkFailures.run(DYNAMODB, () -> dynamo.putItem(r -> r.tableName(table).item(item)
                .overrideConfiguration(SdkFailures.within(deadline, DYNAMODB))));
    }

    private static Map<String, AttributeValue> keyItem(String id, Instant now, Duration window) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, AttributeValue.fromS(id));
        item.put("created_at", AttributeValue.fromS(now.toString()));
        item.put(EXPIRES_AT, AttributeValue.fromN(Long.toString(now.plus(window).getEpochSecond())));
        return item;
    }

    private Map<String, AttributeValue> read(String id, Deadline deadline) {
        return SdkFailures.call(DYNAMODB, () -> dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(KEY, AttributeValue.fromS(id))).overrideConfiguration(SdkFailures.within(deadline, DYNAMODB)))
                .item());
    }
}
