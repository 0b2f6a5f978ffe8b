package ai.joinchat.push.store;

import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link QuickReplyOffers} as one item per page, PSID and kind
 * ({@code state_key = offer#<psid>#<content type>}) in the table of {@code CONTACT_STATE_TABLE},
 * deleted by DynamoDB's TTL ({@code expires_at}) after {@link #VALIDITY}; reads also check the
 * expiry, since TTL deletes lazily. A newer offer replaces the item and so extends it.
 */
public final class DynamoQuickReplyOffers implements QuickReplyOffers {

    static final String KEY_PREFIX = "offer#";
    private static final int BATCH_GET_LIMIT = 100;
    private static final int BATCH_GET_ATTEMPTS = 5;

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoQuickReplyOffers(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void record(String pageId, String psid, Set<Kind> kinds, Instant at) {
        if (kinds.isEmpty() || pageId == null || psid == null) {
            return;
        }
        List<WriteRequest> puts = new ArrayList<>();
        for (Kind kind : kinds) {
            Map<String, AttributeValue> item = new HashMap<>(key(new Offer(pageId, psid, kind)));
            item.put("offered_at", AttributeValue.fromN(Long.toString(at.toEpochMilli())));
            item.put("expires_at", AttributeValue.fromN(Long.toString(at.plus(VALIDITY).getEpochSecond())));
            puts.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        try {
            // At most two items: one request; unprocessed items are rare and an offer is best effort.
            var response = dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, puts)));
            if (response.hasUnprocessedItems() && !response.unprocessedItems().isEmpty()) {
                response.unprocessedItems().getOrDefault(table, List.of()).forEach(w ->
                        dynamo.putItem(p -> p.tableName(table).item(w.putRequest().item())));
            }
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    @Override
    public Set<Offer> live(Collection<Offer> offers, Instant now) {
        Map<Map<String, AttributeValue>, Offer> byKey = new LinkedHashMap<>();
        offers.forEach(offer -> byKey.putIfAbsent(key(offer), offer));
        List<Map<String, AttributeValue>> keys = new ArrayList<>(byKey.keySet());
        Set<Offer> live = new LinkedHashSet<>();
        long nowSeconds = now.getEpochSecond();
        for (int from = 0; from < keys.size(); from += BATCH_GET_LIMIT) {
            Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
                    .keys(keys.subList(from, Math.min(keys.size(), from + BATCH_GET_LIMIT)))
                    .projectionExpression("page_id, state_key, expires_at").build());
            for (int attempt = 1; !pending.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> request = pending;
                BatchGetItemResponse response;
                try {
                    response = dynamo.batchGetItem(r -> r.requestItems(request));
                } catch (SdkException e) {
                    throw new DependencyUnavailableException("DynamoDB", e);
                }
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    AttributeValue expires = item.get("expires_at");
                    Offer offer = byKey.get(Map.of("page_id", item.get("page_id"), "state_key", item.get("state_key")));
                    if (offer != null && expires != null && Long.parseLong(expires.n()) > nowSeconds) {
                        live.add(offer);
                    }
                }
                pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!pending.isEmpty()) {
                    if (attempt >= BATCH_GET_ATTEMPTS) {
                        throw new DependencyUnavailableException("DynamoDB",
                                new IllegalStateException("offer keys still unprocessed after " + attempt + " batch reads"));
                    }
                    pause(attempt);
                }
            }
        }
        return live;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(50L << Math.min(attempt - 1, 4));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    private static Map<String, AttributeValue> key(Offer offer) {
        return Map.of("page_id", AttributeValue.fromS(offer.pageId()),
                "state_key", AttributeValue.fromS(KEY_PREFIX + offer.psid() + "#" + offer.kind().contentType()));
    }
}
