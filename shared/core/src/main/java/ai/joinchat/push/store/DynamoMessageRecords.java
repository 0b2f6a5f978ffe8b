package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.concurrent.Fanout;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/** {@link MessageRecords} in the DynamoDB table of {@code MESSAGES_TABLE}. */
public final class DynamoMessageRecords implements MessageRecords {

    static final String BY_FACEBOOK_MESSAGE_ID = "by_facebook_message_id";
    static final String BY_RECIPIENT = "by_recipient";

    private static final String DYNAMODB = "DynamoDB";
    private static final String NEW_RECORD = "attribute_not_exists(message_id)";
    private static final Map<String, String> STATUS_NAME = Map.of("#status", "status");
    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile(":[A-Za-z0-9_]+");
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
    public void createPending(MessageRecord record, Deadline deadline) {
        call(() -> {
            try {
                dynamo.putItem(PutItemRequest.builder().tableName(table).item(pendingItem(record))
                        .conditionExpression(NEW_RECORD)
                        .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB)).build());
            } catch (ConditionalCheckFailedException e) {
                // Message ids are unique: the record is there because an earlier try of this put landed.
            }
            return null;
        });
    }

    /** The conditional put of a pending record, for a transaction that writes it with something else. */
    public Put pendingPut(MessageRecord record) {
        return Put.builder().tableName(table).item(pendingItem(record)).conditionExpression(NEW_RECORD).build();
    }

    private Map<String, AttributeValue> pendingItem(MessageRecord record) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("message_id", s(record.messageId()));
        item.put("page_id", s(record.pageId()));
        item.put("recipient_type", s(record.recipient().type().wireName()));
        item.put("recipient_value", s(record.recipient().value()));
        item.put("template_type", s(record.templateType()));
        item.put("status", s(MessageStatus.PENDING.wireName()));
        item.put("attempts", n(0));
        item.put("created_at", s(record.createdAt().toString()));
        item.put("updated_at", s(record.updatedAt().toString()));
        item.put("decide_by", n(record.decideBy().toEpochMilli()));
        item.put("warnings", AttributeValue.fromL(record.warnings().stream().map(DynamoMessageRecords::s).toList()));
        item.put("expires_at", n(record.createdAt().plus(retention).getEpochSecond()));
        return item;
    }

    @Override
    public Decision commit(String messageId, Deadline deadline) {
        return call(() -> {
            try {
                dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(key(messageId))
                        .updateExpression("SET #status = :queued REMOVE decide_by")
                        .conditionExpression("#status = :pending")
                        .expressionAttributeNames(STATUS_NAME)
                        .expressionAttributeValues(Map.of(":queued", status(MessageStatus.QUEUED),
                                ":pending", status(MessageStatus.PENDING)))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                        .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB)).build());
                return Decision.COMMITTED;
            } catch (ConditionalCheckFailedException e) {
                // Committed already (an earlier try landed, or the worker took it over), or rejected.
                return decisionOf(e.item());
            }
        });
    }

    @Override
    public Decision reject(String messageId, String pageId, Instant now, Deadline deadline) {
        return call(() -> {
            try {
                dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(key(messageId))
                        .updateExpression("SET #status = :rejected, page_id = if_not_exists(page_id, :page), "
                                + "updated_at = :updated, expires_at = if_not_exists(expires_at, :expires) "
                                + "REMOVE decide_by")
                        .conditionExpression("attribute_not_exists(message_id) OR #status IN (:pending, :rejected)")
                        .expressionAttributeNames(STATUS_NAME)
                        .expressionAttributeValues(Map.of(":rejected", status(MessageStatus.REJECTED),
                                ":pending", status(MessageStatus.PENDING), ":page", s(pageId),
                                ":updated", s(now.toString()),
                                ":expires", n(now.plus(retention).getEpochSecond())))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                        .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB)).build());
                return Decision.REJECTED;
            } catch (ConditionalCheckFailedException e) {
                return decisionOf(e.item());
            }
        });
    }

    private static Decision decisionOf(Map<String, AttributeValue> old) {
        if (old == null || old.isEmpty() || !old.containsKey("status")) {
            return Decision.REJECTED;
        }
        return MessageStatus.fromWireName(old.get("status").s()).committed() ? Decision.COMMITTED : Decision.REJECTED;
    }

    @Override
    public Optional<MessageRecord> find(String messageId, Deadline deadline) {
        return call(() -> {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(key(messageId))
                    .consistentRead(true).overrideConfiguration(AwsCalls.within(deadline, DYNAMODB))).item();
            return item == null || item.isEmpty() ? Optional.<MessageRecord>empty() : Optional.of(fromItem(item));
        });
    }

    @Override
    public Claim claim(String messageId, Instant now, Duration lease, Instant absentDecideBy, Deadline deadline) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":sending", status(MessageStatus.SENDING));
        values.put(":queued", status(MessageStatus.QUEUED));
        values.put(":pending", status(MessageStatus.PENDING));
        values.put(":now", n(now.toEpochMilli()));
        values.put(":lease", n(now.plus(lease).toEpochMilli()));
        values.put(":one", n(1));
        values.put(":zero", n(0));
        values.put(":updated", s(now.toString()));
        // Names this claim, so that the SDK's retry of a claim whose reply was lost knows it as its own.
        String token = UUID.randomUUID().toString();
        values.put(":token", s(token));
        return call(() -> {
            try {
                Map<String, AttributeValue> old = dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                        .key(key(messageId))
                        .updateExpression("SET #status = :sending, lease_until = :lease, updated_at = :updated, "
                                + "claim_token = :token, attempts = if_not_exists(attempts, :zero) + :one "
                                + "REMOVE decide_by")
                        .conditionExpression("attribute_exists(message_id) AND (#status IN (:queued, :pending)"
                                + " OR (#status = :sending AND lease_until < :now))")
                        .expressionAttributeNames(STATUS_NAME)
                        .expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_OLD)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                        .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB)).build()).attributes();
                int attempts = old.containsKey("attempts") ? Integer.parseInt(old.get("attempts").n()) : 0;
                boolean unconfirmed = MessageStatus.SENDING.wireName().equals(str(old, "status"));
                return new Claim.Claimed(attempts + 1, unconfirmed);
            } catch (ConditionalCheckFailedException e) {
                Map<String, AttributeValue> current = e.item();
                if (current != null && token.equals(str(current, "claim_token"))) {
                    return new Claim.Claimed(Integer.parseInt(current.get("attempts").n()), false);
                }
                return refusedClaim(current, now, absentDecideBy);
            }
        });
    }

    private static Claim refusedClaim(Map<String, AttributeValue> old, Instant now, Instant absentDecideBy) {
        if (old == null || old.isEmpty() || !old.containsKey("status")) {
            return absentDecideBy != null && now.isBefore(absentDecideBy)
                    ? new Claim.Undecided(absentDecideBy)
                    : new Claim.Dropped("no record: the send API never accepted it");
        }
        MessageStatus status = MessageStatus.fromWireName(old.get("status").s());
        return switch (status) {
            case PENDING -> new Claim.Undecided(millis(old, "decide_by", now));
            case REJECTED -> new Claim.Dropped("rejected by the send API");
            case SENDING -> new Claim.Busy(millis(old, "lease_until", now));
            case QUEUED -> new Claim.Busy(now);
            case SENT, DELIVERED, READ, FAILED -> new Claim.Settled(status);
        };
    }

    private static Instant millis(Map<String, AttributeValue> item, String name, Instant otherwise) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? otherwise : Instant.ofEpochMilli(Long.parseLong(v.n()));
    }

    @Override
    public void markSent(String messageId, String pageId, String facebookMessageId, String psid, Instant now,
                         Deadline deadline) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":sent", status(MessageStatus.SENT));
        values.put(":sending", status(MessageStatus.SENDING));
        values.put(":queued", status(MessageStatus.QUEUED));
        values.put(":failed", status(MessageStatus.FAILED));
        values.put(":updated", s(now.toString()));
        values.put(":sent_at", n(now.toEpochMilli()));
        StringBuilder set = new StringBuilder("SET #status = :sent, updated_at = :updated, sent_at = :sent_at");
        sentFields(set, values, pageId, facebookMessageId, psid);
        call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression(set + " REMOVE lease_until, #error, unconfirmed")
                        // From failed too: Facebook took it, whatever an earlier attempt concluded.
                        .conditionExpression("#status IN (:sending, :queued, :failed)")
                        .expressionAttributeNames(Map.of("#status", "status", "#error", "error"))
                        .expressionAttributeValues(values)
                        .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB)));
            } catch (ConditionalCheckFailedException e) {
                // Already sent (an earlier try of this write, or the echo came first) or later: keep it.
            }
            return null;
        });
    }

    /** The fields a sent message carries for receipts: Facebook's id, the PSID and the recipient index key. */
    private static void sentFields(StringBuilder set, Map<String, AttributeValue> values, String pageId,
                                   String facebookMessageId, String psid) {
        if (facebookMessageId != null) {
            values.put(":mid", s(facebookMessageId));
            set.append(", facebook_message_id = :mid");
        }
        if (psid != null) {
            values.put(":psid", s(psid));
            values.put(":psid_key", s(pageId + "#" + psid));
            set.append(", psid = :psid, recipient_psid_key = :psid_key");
        }
    }

    @Override
    public void markRetrying(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        settleAttempt(messageId, "SET #status = :queued, updated_at = :updated, #error = :error REMOVE lease_until",
                error, now, deadline, List.of(MessageStatus.SENDING));
    }

    @Override
    public void markUnknown(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        settleAttempt(messageId, "SET updated_at = :updated, #error = :error, unconfirmed = :true, lease_until = :now",
                error, now, deadline, List.of(MessageStatus.SENDING));
    }

    @Override
    public void markFailed(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        settleAttempt(messageId, "SET #status = :failed, updated_at = :updated, #error = :error REMOVE lease_until",
                error, now, deadline, List.of(MessageStatus.SENDING, MessageStatus.QUEUED, MessageStatus.PENDING));
    }

    private void settleAttempt(String messageId, String update, DeliveryError error, Instant now, Deadline deadline,
                               List<MessageStatus> from) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":queued", status(MessageStatus.QUEUED));
        values.put(":failed", status(MessageStatus.FAILED));
        values.put(":updated", s(now.toString()));
        values.put(":error", errorValue(error));
        values.put(":true", AttributeValue.fromBool(true));
        values.put(":now", n(now.toEpochMilli()));
        List<String> placeholders = new ArrayList<>();
        for (int i = 0; i < from.size(); i++) {
            values.put(":from" + i, status(from.get(i)));
            placeholders.add(":from" + i);
        }
        values.keySet().retainAll(usedPlaceholders(update + " " + String.join(" ", placeholders)));
        call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression(update)
                        .conditionExpression("#status IN (" + String.join(", ", placeholders) + ")")
                        .expressionAttributeNames(Map.of("#status", "status", "#error", "error"))
                        .expressionAttributeValues(values)
                        .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB)));
            } catch (ConditionalCheckFailedException e) {
                // Settled meanwhile (sent by an echo, or by an earlier try of this write): keep it.
            }
            return null;
        });
    }

    /** DynamoDB refuses unused expression values: the placeholders an expression names. */
    private static Set<String> usedPlaceholders(String expression) {
        Set<String> used = new HashSet<>();
        java.util.regex.Matcher m = PLACEHOLDER.matcher(expression);
        while (m.find()) {
            used.add(m.group());
        }
        return used;
    }

    @Override
    public boolean confirmByEcho(String pageId, String messageId, String facebookMessageId, String psid, Instant at) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":sent", status(MessageStatus.SENT));
        values.put(":sending", status(MessageStatus.SENDING));
        values.put(":queued", status(MessageStatus.QUEUED));
        values.put(":failed", status(MessageStatus.FAILED));
        values.put(":page", s(pageId));
        values.put(":at", s(at.toString()));
        values.put(":sent_at", n(at.toEpochMilli()));
        StringBuilder set = new StringBuilder(
                "SET #status = :sent, updated_at = :at, sent_at = :sent_at, echoed_at = if_not_exists(echoed_at, :at)");
        sentFields(set, values, pageId, facebookMessageId, psid);
        Supplier<Boolean> markEchoed = () -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression("SET echoed_at = if_not_exists(echoed_at, :at)")
                        .conditionExpression("page_id = :page AND #status IN (:sent, :delivered, :read)")
                        .expressionAttributeNames(Map.of("#status", "status"))
                        .expressionAttributeValues(Map.of(":at", s(at.toString()), ":page", s(pageId),
                                ":sent", status(MessageStatus.SENT), ":delivered", status(MessageStatus.DELIVERED),
                                ":read", status(MessageStatus.READ))));
                return true;
            } catch (ConditionalCheckFailedException notSent) {
                return false;
            }
        };
        return call(() -> {
            // Usually the worker heard Facebook's answer before the echo came: one write marks it echoed.
            if (markEchoed.get()) {
                return true;
            }
            try {
                // Not recorded sent (the reply was lost, or the echo beat it): the echo proves it was.
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression(set + " REMOVE lease_until, #error, unconfirmed")
                        .conditionExpression("page_id = :page AND #status IN (:queued, :sending, :failed)")
                        .expressionAttributeNames(Map.of("#status", "status", "#error", "error"))
                        .expressionAttributeValues(values));
                return true;
            } catch (ConditionalCheckFailedException e) {
                // Recorded sent in between, or unknown, another page's, never committed.
                return markEchoed.get();
            }
        });
    }

    @Override
    public Set<String> unechoed(String pageId, Collection<String> messageIds) {
        List<String> ids = messageIds.stream().filter(id -> id != null && !id.isEmpty()).distinct().toList();
        Set<String> candidates = new LinkedHashSet<>();
        DynamoBatchGet.forEachItem(dynamo, table, ids.stream().map(DynamoMessageRecords::key).toList(),
                "message_id, page_id, echoed_at", "keys", item -> {
                    if (pageId.equals(str(item, "page_id")) && !item.containsKey("echoed_at")) {
                        candidates.add(item.get("message_id").s());
                    }
                });
        return candidates;
    }

    /**
     * One GSI query per Facebook message id (run at once, bounded), then one conditional update
     * per message found; ids of other apps' messages cost their query only.
     */
    @Override
    public int markDelivered(String pageId, Collection<String> facebookMessageIds, Instant at) {
        return markDelivered(pageId, facebookMessageIds, at, Set.of());
    }

    /** As {@link #markDelivered(String, Collection, Instant)}, leaving out the messages in {@code done}. */
    private int markDelivered(String pageId, Collection<String> facebookMessageIds, Instant at, Set<String> done) {
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (String mid : new LinkedHashSet<>(facebookMessageIds)) {
            tasks.add(() -> {
                List<String> ids = call(() -> query(QueryRequest.builder().tableName(table).indexName(BY_FACEBOOK_MESSAGE_ID)
                        .keyConditionExpression("facebook_message_id = :mid")
                        .expressionAttributeValues(Map.of(":mid", s(mid))).build()));
                int moved = 0;
                for (String id : ids) {
                    if (!done.contains(id) && advance(id, pageId, MessageStatus.DELIVERED, "delivered_at", at,
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
        Set<String> reached = java.util.concurrent.ConcurrentHashMap.newKeySet();
        int moved = advanceUpTo(pageId, psid, applied.delivered(), watermarkMillis, MessageStatus.DELIVERED,
                "delivered_at", at, List.of(MessageStatus.SENT), reached);
        if (!facebookMessageIds.isEmpty()) {
            // Only the mids the watermark did not reach (a failed conditional write is billed too).
            moved += markDelivered(pageId, facebookMessageIds, at, reached);
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
        return advanceUpTo(pageId, psid, appliedMillis, watermarkMillis, to, timeField, at, from, new HashSet<>());
    }

    /** @param reached collects the ids the query found (moved now, or already moved) */
    private int advanceUpTo(String pageId, String psid, long appliedMillis, long watermarkMillis, MessageStatus to,
                            String timeField, Instant at, List<MessageStatus> from, Set<String> reached) {
        long lower = Math.max(0, appliedMillis - RECEIPT_SLACK_MILLIS);
        List<String> ids = call(() -> query(QueryRequest.builder().tableName(table).indexName(BY_RECIPIENT)
                .keyConditionExpression("recipient_psid_key = :k AND sent_at BETWEEN :lower AND :w")
                .expressionAttributeValues(Map.of(":k", s(pageId + "#" + psid), ":lower", n(lower),
                        ":w", n(watermarkMillis))).build()));
        reached.addAll(ids);
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
        Recipient recipient = RecipientType.fromWireName(String.valueOf(str(item, "recipient_type")))
                .filter(type -> str(item, "recipient_value") != null && !str(item, "recipient_value").isEmpty())
                .map(type -> new Recipient(type, str(item, "recipient_value")))
                .orElse(null);
        AttributeValue decideBy = item.get("decide_by");
        return new MessageRecord(
                str(item, "message_id"), str(item, "page_id"), recipient,
                str(item, "template_type"), MessageStatus.fromWireName(str(item, "status")),
                item.containsKey("attempts") ? Integer.parseInt(item.get("attempts").n()) : 0,
                instant(item, "created_at"), instant(item, "updated_at"),
                str(item, "facebook_message_id"), str(item, "psid"), error, warnings,
                instant(item, "echoed_at"), instant(item, "delivered_at"), instant(item, "read_at"),
                decideBy == null || decideBy.n() == null ? null : Instant.ofEpochMilli(Long.parseLong(decideBy.n())));
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

    private static AttributeValue status(MessageStatus status) {
        return s(status.wireName());
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static <T> T call(Supplier<T> action) {
        return SdkFailures.call(DYNAMODB, action);
    }
}
