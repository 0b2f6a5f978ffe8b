package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.concurrent.Jitter;
import ai.joinchat.push.store.ContactBindings.ImportedBinding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DynamoContactBindings#importBindings}'s batching and retry of unprocessed items, against
 * a scripted client (DynamoDB Local never leaves items unprocessed; the write itself is covered by
 * the send API's contract tests on DynamoDB Local).
 */
class DynamoContactBindingsImportTest {

    /**
     * The JVM's first SecureRandom takes about 30 ms to make. On Lambda the SDK's TLS has made one
     * before any call can be retried; these fakes answer without TLS, so the tests make it first.
     */
    @BeforeAll
    static void theJvmHasMadeASecureRandom() {
        Jitter.millis(0, 1);
    }


    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private final List<Integer> requestSizes = new ArrayList<>();
    private int unprocessedRounds;

    @Test
    void bindingsAreWrittenInBatchesOf25() {
        assertEquals(60, bindings().importBindings("42", imports(60), NOW, Deadline.none()));
        assertEquals(List.of(25, 25, 10), requestSizes);
    }

    @Test
    void unprocessedItemsAreSentAgainUntilWritten() {
        unprocessedRounds = 2;
        assertEquals(10, bindings().importBindings("42", imports(10), NOW, Deadline.none()));
        assertEquals(List.of(10, 1, 1), requestSizes, "the one unprocessed item is resent, twice");
    }

    @Test
    void itemsStillUnprocessedAfterEveryAttemptFailTheImportAsUnavailable() {
        unprocessedRounds = Integer.MAX_VALUE;
        assertThrows(DependencyUnavailableException.class, () -> bindings().importBindings("42", imports(3), NOW, Deadline.none()));
        assertEquals(DynamoBatch.WRITE_ATTEMPTS, requestSizes.size());
    }

    @Test
    void unprocessedItemsAreRetriedOnlyWhileTheDeadlineCanWaitForTheBackoff() {
        unprocessedRounds = Integer.MAX_VALUE;
        long started = System.nanoTime();
        assertThrows(DependencyUnavailableException.class,
                () -> bindings().importBindings("42", imports(3), NOW, Deadline.in(Duration.ofMillis(60))));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(requestSizes.size() < DynamoBatch.WRITE_ATTEMPTS, "gave up early: " + requestSizes);
        assertTrue(tookMs < 60, "never waits past the deadline: " + tookMs + " ms");
    }

    @Test
    void anExpiredDeadlineMakesNoCall() {
        assertThrows(DependencyUnavailableException.class,
                () -> bindings().importBindings("42", imports(3), NOW, Deadline.in(Duration.ZERO)));
        assertEquals(List.of(), requestSizes);
    }

    @Test
    void duplicateContactsInOneImportAreAProgrammingError() {
        List<ImportedBinding> twice = List.of(new ImportedBinding("uuid:a", "1"), new ImportedBinding("uuid:a", "2"));
        assertThrows(IllegalArgumentException.class, () -> bindings().importBindings("42", twice, NOW, Deadline.none()));
        assertEquals(List.of(), requestSizes);
    }

    private static List<ImportedBinding> imports(int count) {
        return IntStream.range(0, count).mapToObj(i -> new ImportedBinding("uuid:u" + i, Integer.toString(1000 + i))).toList();
    }

    @SuppressWarnings("unchecked")
    private DynamoContactBindings bindings() {
        DynamoDbClient client = (DynamoDbClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{DynamoDbClient.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("batchWriteItem") || !(args[0] instanceof Consumer)) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    BatchWriteItemRequest.Builder builder = BatchWriteItemRequest.builder();
                    ((Consumer<BatchWriteItemRequest.Builder>) args[0]).accept(builder);
                    List<WriteRequest> writes = builder.build().requestItems().get("bindings");
                    requestSizes.add(writes.size());
                    if (unprocessedRounds-- > 0) {
                        return BatchWriteItemResponse.builder()
                                .unprocessedItems(Map.of("bindings", writes.subList(0, 1))).build();
                    }
                    return BatchWriteItemResponse.builder().build();
                });
        return new DynamoContactBindings(client, "bindings", Clock.systemUTC());
    }
}
