package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.store.DynamoBatch;
import ai.joinchat.push.webhook.WebhookEvent.Channel;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.WebhookEvent.UnknownEvent;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DynamoWebhookRecordsTest {

    private static final String TABLE = "webhook-events";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    /** A DynamoDB client that answers BatchWriteItem only, through the given function. */
    private static final class BatchWrites implements DynamoDbClient {
        final List<BatchWriteItemRequest> requests = Collections.synchronizedList(new ArrayList<>());
        final Function<BatchWriteItemRequest, BatchWriteItemResponse> answer;

        BatchWrites(Function<BatchWriteItemRequest, BatchWriteItemResponse> answer) {
            this.answer = answer;
        }

        @Override
        public BatchWriteItemResponse batchWriteItem(BatchWriteItemRequest request) {
            requests.add(request);
            return answer.apply(request);
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }

    private DynamoWebhookRecords records(DynamoDbClient dynamo) {
        return new DynamoWebhookRecords(dynamo, TABLE, Duration.ofDays(30), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static MessageEcho echo(int i) {
        return new MessageEcho("111", Channel.MESSAGING, "222", "mid." + i, "999", "msg_" + i, "hi " + i, null, 1_000L + i);
    }

    @Test
    void writesTwentyFivePerRequestAndOneItemPerKey() {
        BatchWrites dynamo = new BatchWrites(r -> BatchWriteItemResponse.builder().build());
        List<WebhookEvent> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            events.add(echo(i));
        }
        events.add(echo(3));
        events.add(new MessageEcho("111", Channel.STANDBY, "222", "mid.4", "999", null, null, null, 5L));
        events.add(new UnknownEvent("111", Channel.MESSAGING, "reaction", 5L));

        assertEquals(60, records(dynamo).record(events, Deadline.none()).recorded());

        assertEquals(3, dynamo.requests.size());
        Set<String> keys = new HashSet<>();
        for (BatchWriteItemRequest request : dynamo.requests) {
            List<WriteRequest> writes = request.requestItems().get(TABLE);
            assertTrue(writes.size() <= 25);
            writes.forEach(w -> assertTrue(keys.add(w.putRequest().item().get("event_key").s()), "one key per request"));
        }
        assertEquals(60, keys.size());
    }

    @Test
    void retriesUnprocessedItemsUntilTheyAreWritten() {
        AtomicInteger calls = new AtomicInteger();
        BatchWrites dynamo = new BatchWrites(r -> {
            List<WriteRequest> writes = r.requestItems().get(TABLE);
            if (calls.incrementAndGet() < 3) {
                // DynamoDB took only the first item.
                return BatchWriteItemResponse.builder()
                        .unprocessedItems(Map.of(TABLE, writes.subList(1, writes.size()))).build();
            }
            return BatchWriteItemResponse.builder().unprocessedItems(Map.of()).build();
        });

        assertEquals(3, records(dynamo).record(List.of(echo(1), echo(2), echo(3)), Deadline.none()).recorded());

        assertEquals(List.of(3, 2, 1), dynamo.requests.stream().map(r -> r.requestItems().get(TABLE).size()).toList());
    }

    @Test
    void givesUpAfterBoundedAttempts() {
        BatchWrites dynamo = new BatchWrites(r -> BatchWriteItemResponse.builder()
                .unprocessedItems(r.requestItems()).build());

        assertThrows(DependencyUnavailableException.class, () -> records(dynamo).record(List.of(echo(1)), Deadline.none()).recorded());
        assertEquals(DynamoBatch.WRITE_ATTEMPTS, dynamo.requests.size());
    }

    @Test
    void aDynamoDbErrorIsADependencyFailure() {
        BatchWrites dynamo = new BatchWrites(r -> {
            throw DynamoDbException.builder().message("boom").statusCode(500).build();
        });
        List<WebhookEvent> many = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            many.add(echo(i));
        }
        assertThrows(DependencyUnavailableException.class, () -> records(dynamo).record(many, Deadline.none()).recorded());
        assertThrows(DependencyUnavailableException.class, () -> records(dynamo).record(List.of(echo(1)), Deadline.none()).recorded());
    }

    @Test
    void nothingToRecordMakesNoRequest() {
        BatchWrites dynamo = new BatchWrites(r -> {
            throw new AssertionError("no request expected");
        });
        assertEquals(0, records(dynamo).record(List.of(new UnknownEvent("1", Channel.MESSAGING, "reaction", 1L)), Deadline.none()).recorded());
    }

    @Test
    void itemsCarryKindFieldsTimesAndExpiry() {
        DynamoWebhookRecords records = records(new BatchWrites(r -> BatchWriteItemResponse.builder().build()));
        Referral referral = new Referral("111", Channel.MESSAGING, true, "222", null, "uuid=u-1", "ADS", "OPEN_THREAD",
                "6045", "https://example.com", false, "{\"ad_title\":\"t\"}", 1458692752478L);
        Map<String, AttributeValue> item = records.item(referral, referral.eventKey().orElseThrow(), NOW);

        assertEquals("111", item.get("page_id").s());
        assertEquals(referral.eventKey().orElseThrow(), item.get("event_key").s());
        assertEquals("referral", item.get("kind").s());
        assertEquals("postback", item.get("via").s());
        assertEquals("messaging", item.get("channel").s());
        assertEquals("222", item.get("psid").s());
        assertFalse(item.containsKey("user_ref"));
        assertEquals("uuid=u-1", item.get("ref").s());
        assertEquals("ADS", item.get("source").s());
        assertEquals("OPEN_THREAD", item.get("type").s());
        assertEquals("6045", item.get("ad_id").s());
        assertEquals("https://example.com", item.get("referer_uri").s());
        assertEquals(Boolean.FALSE, item.get("is_guest_user").bool());
        assertEquals("{\"ad_title\":\"t\"}", item.get("ads_context_data").s());
        assertEquals("1458692752478", item.get("timestamp").n());
        assertEquals(NOW.toString(), item.get("recorded_at").s());
        assertEquals(Long.toString(NOW.plus(Duration.ofDays(30)).getEpochSecond()), item.get("expires_at").n());

        OptIn optIn = new OptIn("111", Channel.STANDBY, null, "ref-user-1", "uuid=u-2", 77L);
        Map<String, AttributeValue> o = records.item(optIn, "k", NOW);
        assertEquals("ref-user-1", o.get("user_ref").s());
        assertEquals("uuid=u-2", o.get("ref").s());
        assertFalse(o.containsKey("psid"));
        assertEquals("standby", o.get("channel").s());
    }

    @Test
    void backoffGrowsAndStaysBounded() {
        for (int attempt = 1; attempt < 20; attempt++) {
            long ceiling = Math.min(800, 50L << Math.min(attempt - 1, 10));
            long wait = DynamoBatch.backoffMillis(attempt);
            assertTrue(wait >= ceiling / 2 && wait <= ceiling, attempt + " -> " + wait);
        }
    }
}
