package ai.joinchat.push.store;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.concurrent.Jitter;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * BatchGetItem and BatchWriteItem on one table, in DynamoDB's largest requests (100 keys, 25 items);
 * what it leaves unprocessed (throttled) is sent again after 50, 100, 200 ... ms, then fails as unavailable.
 */
public final class DynamoBatch {

    private static final int WRITE_LIMIT = 25;
    public static final int WRITE_ATTEMPTS = 6;
    private static final int GET_LIMIT = 100;
    private static final int GET_ATTEMPTS = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);

    private DynamoBatch() {
    }

    /**
     * Hands each item found to {@code found}, in no particular order; {@code reads} shapes each read,
     * {@code what} names the keys if some stay unprocessed.
     */
    static void get(DynamoDbClient dynamo, String table, List<Map<String, AttributeValue>> keys,
                    UnaryOperator<KeysAndAttributes.Builder> reads, Deadline deadline, String what,
                    Consumer<Map<String, AttributeValue>> found) {
        for (int from = 0; from < keys.size(); from += GET_LIMIT) {
            Map<String, KeysAndAttributes> pending = Map.of(table,
                    reads.apply(KeysAndAttributes.builder().keys(keys.subList(from, Math.min(keys.size(), from + GET_LIMIT))))
                            .build());
            for (int attempt = 1; !pending.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> request = pending;
                BatchGetItemResponse response = SdkFailures.call("DynamoDB", () -> dynamo.batchGetItem(r -> r
                        .requestItems(request).overrideConfiguration(SdkFailures.within(deadline, "DynamoDB"))));
                response.responses().getOrDefault(table, List.of()).forEach(found);
                pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!pending.isEmpty()) {
                    if (attempt >= GET_ATTEMPTS) {
                        throw new DependencyUnavailableException("DynamoDB",
                                new IllegalStateException(what + " still unprocessed after " + attempt + " batch reads"));
                    }
                    SdkFailures.pauseBeforeRetry("DynamoDB", SdkFailures.backoff(FIRST_BACKOFF, attempt).toMillis());
                }
            }
        }
    }

    /**
     * Puts the items in BatchWriteItems of 25, in turn; each one's unprocessed items are sent again
     * after {@link #backoffMillis}, never past the deadline ({@code what} names them if some stay).
     */
    public static void put(DynamoDbClient dynamo, String table, List<Map<String, AttributeValue>> items,
                           Deadline deadline, String what) {
        for (int from = 0; from < items.size(); from += WRITE_LIMIT) {
            write(dynamo, table, items.subList(from, Math.min(items.size(), from + WRITE_LIMIT)).stream()
                    .map(item -> WriteRequest.builder().putRequest(put -> put.item(item)).build()).toList(),
                    deadline, what);
        }
    }

    private static void write(DynamoDbClient dynamo, String table, List<WriteRequest> writes, Deadline deadline,
                              String what) {
        List<WriteRequest> pending = writes;
        for (int attempt = 1; ; attempt++) {
            List<WriteRequest> request = pending;
            BatchWriteItemResponse response = SdkFailures.call("DynamoDB", () -> dynamo.batchWriteItem(r -> r
                    .requestItems(Map.of(table, request)).overrideConfiguration(SdkFailures.within(deadline, "DynamoDB"))));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems().getOrDefault(table, List.of())
                    : List.of();
            if (pending.isEmpty()) {
                return;
            }
            if (attempt >= WRITE_ATTEMPTS) {
                throw new DependencyUnavailableException("DynamoDB", new IllegalStateException(
                        pending.size() + " " + what + " unprocessed after " + attempt + " attempts"));
            }
            long backoff = backoffMillis(attempt);
            if (deadline.remaining().toMillis() <= backoff) {
                throw SdkFailures.deadlinePassed("DynamoDB");
            }
            SdkFailures.pauseBeforeRetry("DynamoDB", backoff);
        }
    }

    /** Full jitter's upper half: between half the exponential ceiling and the ceiling. */
    public static long backoffMillis(int attempt) {
        long ceiling = SdkFailures.backoff(FIRST_BACKOFF, attempt).toMillis();
        return Jitter.millis(ceiling / 2, ceiling);
    }
}
