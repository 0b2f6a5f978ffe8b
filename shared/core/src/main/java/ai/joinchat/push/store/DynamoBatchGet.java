package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * BatchGetItem over any number of keys of one table: requests of at most 100 keys, unprocessed
 * keys read again after 50, 100, 200 ... ms, at most five reads per request.
 */
final class DynamoBatchGet {

    static final int LIMIT = 100;
    private static final int ATTEMPTS = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);

    private DynamoBatchGet() {
    }

    /**
     * Hands each item found to {@code found}, in no particular order; {@code reads} shapes each
     * read, {@code what} names the keys when some are still unprocessed after the last read.
     */
    static void forEachItem(DynamoDbClient dynamo, String table, List<Map<String, AttributeValue>> keys,
                            UnaryOperator<KeysAndAttributes.Builder> reads, Deadline deadline, String what,
                            Consumer<Map<String, AttributeValue>> found) {
        for (int from = 0; from < keys.size(); from += LIMIT) {
            Map<String, KeysAndAttributes> pending = Map.of(table,
                    reads.apply(KeysAndAttributes.builder().keys(keys.subList(from, Math.min(keys.size(), from + LIMIT))))
                            .build());
            for (int attempt = 1; !pending.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> request = pending;
                BatchGetItemResponse response = SdkFailures.call("DynamoDB", () -> dynamo.batchGetItem(r -> r
                        .requestItems(request).overrideConfiguration(AwsCalls.within(deadline, "DynamoDB"))));
                response.responses().getOrDefault(table, List.of()).forEach(found);
                pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!pending.isEmpty()) {
                    if (attempt >= ATTEMPTS) {
                        throw SdkFailures.unavailable("DynamoDB",
                                new IllegalStateException(what + " still unprocessed after " + attempt + " batch reads"));
                    }
                    SdkFailures.pauseBeforeRetry("DynamoDB", SdkFailures.backoff(FIRST_BACKOFF, attempt).toMillis());
                }
            }
        }
    }
}
