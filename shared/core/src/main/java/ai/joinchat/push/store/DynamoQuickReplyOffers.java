package ai.joinchat.push.store;

import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
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
        SdkFailures.run("DynamoDB", () -> {
            // At most two items: one request; unprocessed items are rare and an offer is best effort.
            var response = dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, puts)));
            if (response.hasUnprocessedItems() && !response.unprocessedItems().isEmpty()) {
                response.unprocessedItems().getOrDefault(table, List.of()).forEach(w ->
                        dynamo.putItem(p -> p.tableName(table).item(w.putRequest().item())));
            }
        });
    }

    @Override
    public Set<Offer> live(Collection<Offer> offers, Instant now) {
        Map<Map<String, AttributeValue>, Offer> byKey = new LinkedHashMap<>();
        offers.forEach(offer -> byKey.putIfAbsent(key(offer), offer));
        List<Map<String, AttributeValue>> keys = new ArrayList<>(byKey.keySet());
        Set<Offer> live = new LinkedHashSet<>();
        long nowSeconds = now.getEpochSecond();
        DynamoBatchGet.forEachItem(dynamo, table, keys, "page_id, state_key, expires_at", "offer keys", item -> {
            AttributeValue expires = item.get("expires_at");
            Offer offer = byKey.get(Map.of("page_id", item.get("page_id"), "state_key", item.get("state_key")));
            if (offer != null && expires != null && Long.parseLong(expires.n()) > nowSeconds) {
                live.add(offer);
            }
        });
        return live;
    }

    private static Map<String, AttributeValue> key(Offer offer) {
        return Map.of("page_id", AttributeValue.fromS(offer.pageId()),
                "state_key", AttributeValue.fromS(KEY_PREFIX + offer.psid() + "#" + offer.kind().contentType()));
    }
}
