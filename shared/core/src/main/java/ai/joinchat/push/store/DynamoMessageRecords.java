package ai.joinchat.push.store;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.concurrent.Fanout;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/** {@link MessageRecords} in the DynamoDB table of {@code MESSAGES_TABLE}. */
public final class DynamoMessageRecords implements MessageRecords {

    static final String BY_FACEBOOK_MESSAGE_ID = "by_facebook_message_id";
    static final String BY_RECIPIENT = "by_recipient";
    /** DynamoDB's limit of keys per BatchGetItem request. */
    static final int BATCH_GET_LIMIT = 100;
    private static final int BATCH_GET_ATTEMPTS = 5;

    /**
     * How far below the stored watermark a receipt still looks: {@code sent_at} is this system's
     * clock when Facebook's answer arrived, the watermark is Facebook's, and a message may be
     * recorded {@code sent} just after a receipt that covers it was applied.
     */
    static final long RECEIPT_SLACK_MILLIS = 60_000;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final ReceiptWatermarks watermarks;
    private final ExecutorService receiptExecutor;

    public DynamoMessageRecords(DynamoDbClient dynamo, String table, Duration retention) {
        this(dynamo, table, retention, ReceiptWatermarks.NONE, null);
    }

    /**
     * With bounded receipts (the webhook): {@code watermarks} gives each receipt query its lower
     * bound, and {@code receiptExecutor} (bounded) runs one receipt's conditional updates at once.
     */
    public DynamoMessageRecords(DynamoDbClient dynamo, String table, Duration retention,
                                ReceiptWatermarks watermarks, ExecutorService receiptExecutor) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.watermarks = watermarks;
        this.receiptExecutor = receiptExecutor;
    }

    @Override
    public boolean create(MessageRecord record) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("message_id", s(record.messageId()));
        item.put("page_id", s(record.pageId()));
        item.put("recipient_type", s(record.recipientType()));
        item.put("recipient_value", s(record.recipientValue()));
        item.put("template_type", s(record.templateType()));
        item.put("status", s(record.status().wireName()));
        item.put("attempts", n(record.attempts()));
        item.put("created_at", s(record.createdAt().toString()));
        item.put("updated_at", s(record.updatedAt().toString()));
        item.put("warnings", AttributeValue.fromL(record.warnings().stream().map(DynamoMessageRecords::s).toList()));
        item.put("expires_at", n(record.createdAt().plus(retention).getEpochSecond()));
        return call(() -> {
            try {
                dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(message_id)"));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    @Override
    public void delete(String messageId) {
        call(() -> dynamo.deleteItem(r -> r.tableName(table).key(key(messageId))));
    }

    @Override
    public Optional<MessageRecord> find(String messageId) {
        return call(() -> {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(key(messageId)).consistentRead(true)).item();
            return item == null || item.isEmpty() ? Optional.<MessageRecord>empty() : Optional.of(fromItem(item));
        });
    }

    @Override
    public Claim claim(String messageId, Instant now, Duration lease) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":sending", s(MessageStatus.SENDING.wireName()));
        values.put(":queued", s(MessageStatus.QUEUED.wireName()));
        values.put(":now", n(now.toEpochMilli()));
        values.put(":lease", n(now.plus(lease).toEpochMilli()));
        values.put(":one", n(1));
        values.put(":zero", n(0));
        values.put(":updated", s(now.toString()));
        return call(() -> {
            try {
                dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(key(messageId))
                        .updateExpression("SET #status = :sending, lease_until = :lease, updated_at = :updated, "
                                + "attempts = if_not_exists(attempts, :zero) + :one")
                        .conditionExpression("attribute_exists(message_id) AND "
                                + "(#status = :queued OR (#status = :sending AND lease_until < :now))")
                        .expressionAttributeNames(Map.of("#status", "status"))
                        .expressionAttributeValues(values)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                        .build());
                return Claim.CLAIMED;
            } catch (ConditionalCheckFailedException e) {
                Map<String, AttributeValue> old = e.item();
                if (old == null || old.isEmpty()) {
                    return Claim.MISSING;
                }
                MessageStatus status = MessageStatus.fromWireName(old.get("status").s());
                if (status.acceptedByFacebook()) {
                    return Claim.ALREADY_SENT;
                }
                if (status == MessageStatus.FAILED) {
                    return Claim.ALREADY_FAILED;
                }
                return Claim.IN_FLIGHT;
            }
        });
    }

    @Override
    public void markSent(String messageId, String pageId, String facebookMessageId, String psid, Instant now) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":sent", s(MessageStatus.SENT.wireName()));
        values.put(":sending", s(MessageStatus.SENDING.wireName()));
        values.put(":queued", s(MessageStatus.QUEUED.wireName()));
        values.put(":updated", s(now.toString()));
        values.put(":sent_at", n(now.toEpochMilli()));
        StringBuilder set = new StringBuilder("SET #status = :sent, updated_at = :updated, sent_at = :sent_at");
        if (facebookMessageId != null) {
            values.put(":mid", s(facebookMessageId));
            set.append(", facebook_message_id = :mid");
        }
        if (psid != null) {
            values.put(":psid", s(psid));
            values.put(":psid_key", s(pageId + "#" + psid));
            set.append(", psid = :psid, recipient_psid_key = :psid_key");
        }
        call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression(set + " REMOVE lease_until, #error")
                        .conditionExpression("#status IN (:sending, :queued)")
                        .expressionAttributeNames(Map.of("#status", "status", "#error", "error"))
                        .expressionAttributeValues(values));
            } catch (ConditionalCheckFailedException e) {
                // Already moved on (sent by an earlier attempt, or delivered/read): keep it.
            }
            return null;
        });
    }

    @Override
    public void markRetrying(String messageId, DeliveryError error, Instant now) {
        transition(messageId, MessageStatus.QUEUED, error, now);
    }

    @Override
    public void markFailed(String messageId, DeliveryError error, Instant now) {
        transition(messageId, MessageStatus.FAILED, error, now);
    }

    private void transition(String messageId, MessageStatus to, DeliveryError error, Instant now) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":to", s(to.wireName()));
        values.put(":sending", s(MessageStatus.SENDING.wireName()));
        values.put(":queued", s(MessageStatus.QUEUED.wireName()));
        values.put(":updated", s(now.toString()));
        values.put(":error", errorValue(error));
        call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression("SET #status = :to, updated_at = :updated, #error = :error REMOVE lease_until")
                        .conditionExpression("#status IN (:sending, :queued)")
                        .expressionAttributeNames(Map.of("#status", "status", "#error", "error"))
                        .expressionAttributeValues(values));
            } catch (ConditionalCheckFailedException e) {
                // A concurrent attempt already settled it.
            }
            return null;
        });
    }

    @Override
    public boolean markEchoed(String pageId, String messageId, Instant at) {
        return call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression("SET echoed_at = if_not_exists(echoed_at, :at)")
                        .conditionExpression("attribute_exists(message_id) AND page_id = :page")
                        .expressionAttributeValues(Map.of(":at", s(at.toString()), ":page", s(pageId))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    @Override
    public Set<String> unechoed(String pageId, Collection<String> messageIds) {
        List<String> ids = messageIds.stream().filter(id -> id != null && !id.isEmpty()).distinct().toList();
        Set<String> candidates = new LinkedHashSet<>();
        for (int from = 0; from < ids.size(); from += BATCH_GET_LIMIT) {
            List<Map<String, AttributeValue>> keys = ids.subList(from, Math.min(ids.size(), from + BATCH_GET_LIMIT))
                    .stream().map(DynamoMessageRecords::key).toList();
            Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .projectionExpression("message_id, page_id, echoed_at").build());
            for (int attempt = 1; !pending.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> request = pending;
                BatchGetItemResponse response = call(() -> dynamo.batchGetItem(r -> r.requestItems(request)));
                response.responses().getOrDefault(table, List.of()).forEach(item -> {
                    if (pageId.equals(str(item, "page_id")) && !item.containsKey("echoed_at")) {
                        candidates.add(item.get("message_id").s());
                    }
                });
                pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!pending.isEmpty()) {
                    if (attempt >= BATCH_GET_ATTEMPTS) {
                        throw new DependencyUnavailableException("DynamoDB",
                                new IllegalStateException("keys still unprocessed after " + attempt + " batch reads"));
                    }
                    pause(attempt);
                }
            }
        }
        return candidates;
    }

    /** Backs off before retrying unprocessed keys: 50, 100, 200 ... ms. */
    private static void pause(int attempt) {
        try {
            Thread.sleep(50L << Math.min(attempt - 1, 4));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }

    /**
     * One GSI query per Facebook message id (run at once, bounded), then one conditional update
     * per message found; ids of other apps' messages cost their query only.
     */
    @Override
    public int markDelivered(String pageId, Collection<String> facebookMessageIds, Instant at) {
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (String mid : new LinkedHashSet<>(facebookMessageIds)) {
            tasks.add(() -> {
                List<String> ids = call(() -> query(QueryRequest.builder().tableName(table).indexName(BY_FACEBOOK_MESSAGE_ID)
                        .keyConditionExpression("facebook_message_id = :mid")
                        .expressionAttributeValues(Map.of(":mid", s(mid))).build()));
                int moved = 0;
                for (String id : ids) {
                    if (advance(id, pageId, MessageStatus.DELIVERED, "delivered_at", at,
                            List.of(MessageStatus.SENDING, MessageStatus.SENT))) {
                        moved++;
                    }
                }
                return moved;
            });
        }
        return Fanout.all(receiptExecutor, "DynamoDB", tasks).stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        return markDeliveryReceipt(pageId, psid, List.of(), watermarkMillis, at);
    }

    /**
     * A receipt at or below the applied delivery watermark costs its one read (a redelivery, or an
     * older receipt whose messages the newer one covered); otherwise the watermark's new range,
     * then the listed mids, then the watermark is stored (last, so a failure before it leaves the
     * receipt to Facebook's redelivery).
     */
    @Override
    public int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds,
                                   Long watermarkMillis, Instant at) {
        if (watermarkMillis == null) {
            return facebookMessageIds.isEmpty() ? 0 : markDelivered(pageId, facebookMessageIds, at);
        }
        ReceiptWatermarks.Applied applied = watermarks.applied(pageId, psid);
        if (applied.delivered() > 0 && watermarkMillis <= applied.delivered()) {
            return 0;
        }
        int moved = advanceUpTo(pageId, psid, applied.delivered(), watermarkMillis, MessageStatus.DELIVERED,
                "delivered_at", at, List.of(MessageStatus.SENT));
        if (!facebookMessageIds.isEmpty()) {
            moved += markDelivered(pageId, facebookMessageIds, at);
        }
        watermarks.advanceDelivered(pageId, psid, watermarkMillis);
        return moved;
    }

    @Override
    public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        ReceiptWatermarks.Applied applied = watermarks.applied(pageId, psid);
        if (applied.read() > 0 && watermarkMillis <= applied.read()) {
            return 0;
        }
        int moved = advanceUpTo(pageId, psid, applied.read(), watermarkMillis, MessageStatus.READ, "read_at", at,
                List.of(MessageStatus.SENT, MessageStatus.DELIVERED));
        watermarks.advanceRead(pageId, psid, watermarkMillis);
        return moved;
    }

    /**
     * The receipt's new messages: {@code by_recipient} is sparse (a message leaves it when it is
     * read), and the query starts just below the last applied watermark, so the work is what the
     * receipt newly moves, not the user's history. The updates run at once, bounded.
     */
    private int advanceUpTo(String pageId, String psid, long appliedMillis, long watermarkMillis, MessageStatus to,
                            String timeField, Instant at, List<MessageStatus> from) {
        long lower = Math.max(0, appliedMillis - RECEIPT_SLACK_MILLIS);
        List<String> ids = call(() -> query(QueryRequest.builder().tableName(table).indexName(BY_RECIPIENT)
                .keyConditionExpression("recipient_psid_key = :k AND sent_at BETWEEN :lower AND :w")
                .expressionAttributeValues(Map.of(":k", s(pageId + "#" + psid), ":lower", n(lower),
                        ":w", n(watermarkMillis))).build()));
        List<Callable<Boolean>> tasks = new ArrayList<>(ids.size());
        for (String id : ids) {
            tasks.add(() -> advance(id, pageId, to, timeField, at, from));
        }
        return (int) Fanout.all(receiptExecutor, "DynamoDB", tasks).stream().filter(Boolean::booleanValue).count();
    }

    /** A read message leaves the {@code by_recipient} index ({@code recipient_psid_key} removed): nothing moves it further. */
    private boolean advance(String messageId, String pageId, MessageStatus to, String timeField, Instant at,
                            List<MessageStatus> from) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":to", s(to.wireName()));
        values.put(":at", s(at.toString()));
        values.put(":page", s(pageId));
        List<String> placeholders = new ArrayList<>();
        for (int i = 0; i < from.size(); i++) {
            values.put(":from" + i, s(from.get(i).wireName()));
            placeholders.add(":from" + i);
        }
        String update = "SET #status = :to, updated_at = :at, " + timeField + " = :at"
                + (to == MessageStatus.READ ? " REMOVE recipient_psid_key" : "");
        return call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression(update)
                        .conditionExpression("page_id = :page AND #status IN (" + String.join(", ", placeholders) + ")")
                        .expressionAttributeNames(Map.of("#status", "status"))
                        .expressionAttributeValues(values));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    private List<String> query(QueryRequest request) {
        List<String> ids = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = dynamo.query(start == null ? request : request.toBuilder().exclusiveStartKey(start).build());
            page.items().forEach(item -> ids.add(item.get("message_id").s()));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return ids;
    }

    static MessageRecord fromItem(Map<String, AttributeValue> item) {
        DeliveryError error = null;
        AttributeValue e = item.get("error");
        if (e != null && e.hasM()) {
            Map<String, AttributeValue> m = e.m();
            error = new DeliveryError(
                    str(m, "code"),
                    m.containsKey("subcode") && m.get("subcode").n() != null ? Integer.valueOf(m.get("subcode").n()) : null,
                    str(m, "message"),
                    m.containsKey("retryable") && Boolean.TRUE.equals(m.get("retryable").bool()));
        }
        List<String> warnings = item.containsKey("warnings") && item.get("warnings").hasL()
                ? item.get("warnings").l().stream().map(AttributeValue::s).toList() : List.of();
        return new MessageRecord(
                str(item, "message_id"), str(item, "page_id"), str(item, "recipient_type"), str(item, "recipient_value"),
                str(item, "template_type"), MessageStatus.fromWireName(str(item, "status")),
                item.containsKey("attempts") ? Integer.parseInt(item.get("attempts").n()) : 0,
                instant(item, "created_at"), instant(item, "updated_at"),
                str(item, "facebook_message_id"), str(item, "psid"), error, warnings,
                instant(item, "echoed_at"), instant(item, "delivered_at"), instant(item, "read_at"));
    }

    private static AttributeValue errorValue(DeliveryError error) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("code", s(error.code()));
        if (error.subcode() != null) {
            m.put("subcode", n(error.subcode()));
        }
        m.put("message", s(error.message() == null ? "" : error.message()));
        m.put("retryable", AttributeValue.fromBool(error.retryable()));
        return AttributeValue.fromM(m);
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        String v = str(item, name);
        return v == null ? null : Instant.parse(v);
    }

    private static Map<String, AttributeValue> key(String messageId) {
        return Map.of("message_id", s(messageId));
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (ConditionalCheckFailedException e) {
            throw e;
        } catch (SdkException e) {
            throw new DependencyUnavailableException("DynamoDB", e);
        }
    }
}
