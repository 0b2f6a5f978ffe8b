package ai.joinchat.push.webhook;

import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link WebhookRecords} in the table of {@code WEBHOOK_EVENTS_TABLE} (hash {@code page_id},
 * range {@code event_key}), expiring through the {@code expires_at} TTL. Writes with
 * BatchWriteItem, 25 items per request and several requests at once; items DynamoDB leaves
 * unprocessed are retried with exponential backoff and jitter. A put of the same key replaces
 * the identical record, which is what makes redelivery harmless (only {@code recorded_at} and
 * {@code expires_at} move to the latest delivery).
 */
public final class DynamoWebhookRecords implements WebhookRecords {

    /** DynamoDB's limit of items per BatchWriteItem request. */
    static final int BATCH_SIZE = 25;
    static final int MAX_ATTEMPTS = 6;
    private static final long BACKOFF_BASE_MILLIS = 50;
    private static final long BACKOFF_MAX_MILLIS = 800;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final Clock clock;
    private final Executor executor;

    /**
     * @param executor runs the batch requests of one call in parallel; its size bounds how many
     *                 requests one call has in flight
     */
    public DynamoWebhookRecords(DynamoDbClient dynamo, String table, Duration retention, Clock clock, Executor executor) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.clock = clock;
        this.executor = executor;
    }

    @Override
    public int record(List<WebhookEvent> events) {
        Instant now = clock.instant();
        // BatchWriteItem rejects a request that names one key twice: keep one item per key.
        Map<String, WriteRequest> byKey = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            event.eventKey().ifPresent(key -> byKey.putIfAbsent(event.pageId() + '\n' + key,
                    WriteRequest.builder().putRequest(PutRequest.builder().item(item(event, key, now)).build()).build()));
        }
        List<WriteRequest> requests = new ArrayList<>(byKey.values());
        List<List<WriteRequest>> batches = new ArrayList<>();
        for (int i = 0; i < requests.size(); i += BATCH_SIZE) {
            batches.add(requests.subList(i, Math.min(requests.size(), i + BATCH_SIZE)));
        }
        if (batches.size() == 1) {
            write(batches.get(0));
        } else if (batches.size() > 1) {
            List<CompletableFuture<Void>> inFlight = new ArrayList<>(batches.size());
            for (List<WriteRequest> batch : batches) {
                inFlight.add(CompletableFuture.runAsync(() -> write(batch), executor));
            }
            await(inFlight);
        }
        return requests.size();
    }

    /** The item of one event: its key, kind, channel, time stamps, and the fields of its kind. */
    Map<String, AttributeValue> item(WebhookEvent event, String eventKey, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("page_id", AttributeValue.fromS(event.pageId()));
        item.put("event_key", AttributeValue.fromS(eventKey));
        item.put("kind", AttributeValue.fromS(event.kind().wireName()));
        item.put("channel", AttributeValue.fromS(event.channel().fieldName()));
        item.put("timestamp", number(event.timestamp()));
        item.put("recorded_at", AttributeValue.fromS(now.toString()));
        item.put("expires_at", number(now.plus(retention).getEpochSecond()));
        if (event instanceof MessageEcho echo) {
            put(item, "psid", echo.psid());
            put(item, "mid", echo.mid());
            put(item, "app_id", echo.appId());
            put(item, "metadata", echo.metadata());
            put(item, "text", echo.text());
            put(item, "attachments", echo.attachmentsJson());
        } else if (event instanceof Referral referral) {
            put(item, "via", referral.viaPostback() ? "postback" : "referral");
            put(item, "psid", referral.psid());
            put(item, "user_ref", referral.userRef());
            put(item, "ref", referral.ref());
            put(item, "source", referral.source());
            put(item, "type", referral.type());
            put(item, "ad_id", referral.adId());
            put(item, "referer_uri", referral.refererUri());
            if (referral.isGuestUser() != null) {
                item.put("is_guest_user", AttributeValue.fromBool(referral.isGuestUser()));
            }
            put(item, "ads_context_data", referral.adsContextDataJson());
        } else if (event instanceof OptIn optIn) {
            put(item, "psid", optIn.psid());
            put(item, "user_ref", optIn.userRef());
            put(item, "ref", optIn.ref());
        } else if (event instanceof Delivery delivery) {
            put(item, "psid", delivery.psid());
            if (!delivery.mids().isEmpty()) {
                item.put("mids", AttributeValue.fromL(delivery.mids().stream().map(AttributeValue::fromS).toList()));
            }
            if (delivery.watermark() != null) {
                item.put("watermark", number(delivery.watermark()));
            }
        } else if (event instanceof Read read) {
            put(item, "psid", read.psid());
            item.put("watermark", number(read.watermark()));
        } else if (event instanceof QuickReply quickReply) {
            put(item, "psid", quickReply.psid());
            put(item, "mid", quickReply.mid());
            put(item, "payload", quickReply.payload());
        }
        return item;
    }

    private void write(List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> pending = Map.of(table, batch);
        try {
            for (int attempt = 1; ; attempt++) {
                Map<String, List<WriteRequest>> request = pending;
                BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(request));
                List<WriteRequest> unprocessed = response.hasUnprocessedItems()
                        ? response.unprocessedItems().getOrDefault(table, List.of()) : List.of();
                if (unprocessed.isEmpty()) {
                    return;
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new DependencyUnavailableException("DynamoDB", new IllegalStateException(
                            unprocessed.size() + " webhook records unprocessed after " + attempt + " attempts"));
                }
                pending = Map.of(table, unprocessed);
                sleep(backoffMillis(attempt));
            }
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    /** Between half and all of an exponential ceiling (50, 100, 200, 400, 800 ms), so retries spread out. */
    static long backoffMillis(int attempt) {
        long ceiling = Math.min(BACKOFF_MAX_MILLIS, BACKOFF_BASE_MILLIS << Math.min(attempt - 1, 10));
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    private static void await(List<CompletableFuture<Void>> inFlight) {
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
        } catch (InterruptedException e) {
            inFlight.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new DependencyUnavailableException("DynamoDB", e);
        } catch (ExecutionException e) {
            inFlight.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new DependencyUnavailableException("DynamoDB", e.getCause());
        }
    }

    private static void put(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, AttributeValue.fromS(value));
        }
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
