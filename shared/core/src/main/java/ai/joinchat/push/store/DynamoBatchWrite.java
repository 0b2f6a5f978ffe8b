package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One BatchWriteItem of at most 25 writes to one table: the writes DynamoDB leaves unprocessed
 * (throttled) are sent again after a jittered 50, 100, 200 ... ms, at most {@value #ATTEMPTS}
 * requests and never past the deadline; then the call fails as unavailable.
 */
public final class DynamoBatchWrite {

    public static final int LIMIT = 25;
    public static final int ATTEMPTS = 6;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);

    private DynamoBatchWrite() {
    }

    /** {@code what} names the writes when some are still unprocessed after the last request. */
    public static void write(DynamoDbClient dynamo, String table, List<WriteRequest> writes, Deadline deadline,
                             String what) {
        List<WriteRequest> pending = writes;
        for (int attempt = 1; ; attempt++) {
            List<WriteRequest> request = pending;
            BatchWriteItemResponse response = SdkFailures.call("DynamoDB", () -> dynamo.batchWriteItem(r -> r
                    .requestItems(Map.of(table, request)).overrideConfiguration(AwsCalls.within(deadline, "DynamoDB"))));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems().getOrDefault(table, List.of())
                    : List.of();
            if (pending.isEmpty()) {
                return;
            }
            if (attempt >= ATTEMPTS) {
                throw SdkFailures.unavailable("DynamoDB", new IllegalStateException(
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
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }
}
