package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.signature.Sha256;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@link QuickReplyOffers} in the contact state table: one item per page, PSID and kind
 * ({@code offer#<psid>#<content type>}) or text payload ({@code offer#<psid>#text#<SHA-256>}),
 * expiring by TTL after {@link #VALIDITY}; reads check the expiry too, since TTL deletes lazily.
 */
public record DynamoQuickReplyOffers(DynamoDbClient dynamo, String table) implements QuickReplyOffers {

    static final String KEY_PREFIX = "offer#";
    private static final String PAGE_ID = "page_id";
    private static final String STATE_KEY = "state_key";
    private static final String EXPIRES_AT = "expires_at";

    @Override
    public void record(String pageId, String psid, Set<Kind> kinds, Set<String> textPayloads, Instant at) {
        List<WriteRequest> puts = Stream.concat(kinds.stream().map(kind -> key(new Offer(pageId, psid, kind))),
                textPayloads.stream().map(payload -> key(new TextPayload(pageId, psid, payload)))).map(key -> {
                    Map<String, AttributeValue> item = new HashMap<>(key);
                    item.put("offered_at", AttributeValue.fromN(Long.toString(at.toEpochMilli())));
                    item.put(EXPIRES_AT, AttributeValue.fromN(Long.toString(at.plus(VALIDITY).getEpochSecond())));
                    return WriteRequest.builder().putRequest(put -> put.item(item)).build();
                }).toList();
        SdkFailures.run("DynamoDB", () -> {
            // At most 15 items (13 quick replies): one request; unprocessed items are rare and an offer is best effort.
            var response = dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, puts)));
            if (response.hasUnprocessedItems() && !response.unprocessedItems().isEmpty()) {
                response.unprocessedItems().getOrDefault(table, List.of()).forEach(w ->
                        dynamo.putItem(p -> p.tableName(table).item(w.putRequest().item())));
            }
        });
    }

    @Override
    public Set<Offer> live(Collection<Offer> offers, Instant now, Deadline deadline) {
        return recorded(offers, DynamoQuickReplyOffers::key, now, deadline);
    }

    @Override
    public Set<TextPayload> offeredAsText(Collection<TextPayload> payloads, Instant now, Deadline deadline) {
        return recorded(payloads, DynamoQuickReplyOffers::key, now, deadline);
    }

    /** The ones of {@code wanted} whose item is there and not expired, with batch reads. */
    private <T> Set<T> recorded(Collection<T> wanted, java.util.function.Function<T, Map<String, AttributeValue>> keyOf,
                                Instant now, Deadline deadline) {
        Map<Map<String, AttributeValue>, T> byKey = new LinkedHashMap<>();
        wanted.forEach(w -> byKey.putIfAbsent(keyOf.apply(w), w));
        List<Map<String, AttributeValue>> keys = new ArrayList<>(byKey.keySet());
        Set<T> live = new LinkedHashSet<>();
        long nowSeconds = now.getEpochSecond();
        DynamoBatch.get(dynamo, table, keys, read -> read.projectionExpression(String.join(", ", PAGE_ID, STATE_KEY, EXPIRES_AT)),
                deadline, "offer keys", item -> {
            AttributeValue expires = item.get(EXPIRES_AT);
            T found = byKey.get(Map.of(PAGE_ID, item.get(PAGE_ID), STATE_KEY, item.get(STATE_KEY)));
            if (found != null && expires != null && Long.parseLong(expires.n()) > nowSeconds) {
                live.add(found);
            }
        });
        return live;
    }

    private static Map<String, AttributeValue> key(Offer offer) {
        return Map.of(PAGE_ID, AttributeValue.fromS(offer.pageId()),
                STATE_KEY, AttributeValue.fromS(KEY_PREFIX + offer.psid() + "#" + offer.kind().contentType));
    }

    private static Map<String, AttributeValue> key(TextPayload payload) {
        byte[] digest = Sha256.digest(payload.payload().getBytes(StandardCharsets.UTF_8));
        return Map.of(PAGE_ID, AttributeValue.fromS(payload.pageId()),
                STATE_KEY, AttributeValue.fromS(KEY_PREFIX + payload.psid() + "#text#"
                        + Base64.getUrlEncoder().withoutPadding().encodeToString(digest)));
    }
}
