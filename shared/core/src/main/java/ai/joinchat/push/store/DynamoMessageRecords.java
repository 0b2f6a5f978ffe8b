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
import java.util.LinkedHashMap;
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
     * {@code recipient_psid_key}'s suffixes: a sent message is in {@code by_recipient} under
     * {@code <page>#<psid>#d} until it is delivered, then under {@code <page>#<psid>#r} until it
     * is read, then not at all. A receipt's query names the partitions it may still move, so it
     * finds only what it newly moves, whatever the recipient's history, and needs no lower bound.
     */
    static final String AWAITING_DELIVERY = "#d";
    static final String AWAITING_READ = "#r";
    /**
     * The first version kept every sent message under {@code <page>#<psid>} (no suffix), with a
     * {@code sent_at} of the worker's clock when Graph's reply arrived, and kept read ones there
     * too. For a transition period (until {@code RecordRetentionDays} after the upgrade, when TTL
     * has deleted them all) a receipt also queries that legacy partition, up to its watermark
     * plus the first version's 60 s slack, and every legacy message it finds leaves the legacy
     * partition (moved by the receipt, or re-keyed to the partition of its status), so each one
     * is found once.
     */
    static final long LEGACY_SLACK_MILLIS = 60_000;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final ExecutorService receiptExecutor;

    public DynamoMessageRecords(DynamoDbClient dynamo, String table, Duration retention) {
        this(dynamo, table, retention, null);
    }

    /** With {@code receiptExecutor} (bounded), which runs one receipt's queries and conditional updates at once (the webhook). */
    public DynamoMessageRecords(DynamoDbClient dynamo, String table, Duration retention, ExecutorService receiptExecutor) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
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
            return isMessage(item) ? Optional.of(fromItem(item)) : Optional.<MessageRecord>empty();
        });
    }

    /** A message's item, not an echo's (which has no status) nor nothing. */
    private static boolean isMessage(Map<String, AttributeValue> item) {
        return item != null && item.containsKey("status");
    }

    /** One batch read of the message and its echo item ({@link MessageRecords#echoItemId}). */
    @Override
    public Optional<MessageRecord> findWithEcho(String messageId, Deadline deadline) {
        Map<String, Map<String, AttributeValue>> byId = new HashMap<>();
        DynamoBatchGet.forEachItem(dynamo, table, List.of(key(messageId), key(MessageRecords.echoItemId(messageId))),
                read -> read.consistentRead(true), deadline, "message keys", item -> byId.put(str(item, "message_id"), item));
        Map<String, AttributeValue> message = byId.get(messageId);
        if (!isMessage(message)) {
            return Optional.empty();
        }
        Map<String, AttributeValue> echo = byId.get(MessageRecords.echoItemId(messageId));
        if (echo != null && !message.containsKey("echoed_at") && echo.containsKey("echoed_at")) {
            message = new HashMap<>(message);
            message.put("echoed_at", echo.get("echoed_at"));
        }
        return Optional.of(fromItem(message));
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
    public void markSent(String messageId, String pageId, String facebookMessageId, String psid, Instant sendStartedAt,
                         Instant now, Deadline deadline) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":sent", status(MessageStatus.SENT));
        values.put(":sending", status(MessageStatus.SENDING));
        values.put(":queued", status(MessageStatus.QUEUED));
        values.put(":failed", status(MessageStatus.FAILED));
        values.put(":updated", s(now.toString()));
        // by_recipient's sort key: the message's Facebook timestamp, estimated until its echo brings it.
        values.put(":sent_at", n(sendStartedAt.toEpochMilli()));
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
            values.put(":psid_key", s(recipientKey(pageId, psid, AWAITING_DELIVERY)));
            set.append(", psid = :psid, recipient_psid_key = :psid_key");
        }
    }

    private static String recipientKey(String pageId, String psid, String stage) {
        return pageId + "#" + psid + stage;
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

    @Override
    public void failUnclaimed(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        settleAttempt(messageId, "SET #status = :failed, updated_at = :updated, #error = :error REMOVE decide_by",
                error, now, deadline, List.of(MessageStatus.PENDING));
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

    /** Usually the worker heard Facebook's answer before the echo came, and this is not called. */
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
        StringBuilder set = new StringBuilder("SET #status = :sent, updated_at = :at, sent_at = :sent_at");
        sentFields(set, values, pageId, facebookMessageId, psid);
        return call(() -> {
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
                return false;
            }
        });
    }

    /**
     * One conditional update of the sort key {@code sent_at}, while the message is still in
     * {@code by_recipient} (not read): the index moves the item within its partition.
     */
    @Override
    public boolean stampByEcho(String pageId, String messageId, Instant facebookTime) {
        return call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression("SET sent_at = :sent_at")
                        .conditionExpression("page_id = :page AND attribute_exists(recipient_psid_key)")
                        .expressionAttributeValues(Map.of(":sent_at", n(facebookTime.toEpochMilli()),
                                ":page", s(pageId))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    @Override
    public Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds) {
        List<String> ids = messageIds.stream().filter(id -> id != null && !id.isEmpty()).distinct().toList();
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        ids.forEach(id -> {
            keys.add(key(id));
            keys.add(key(MessageRecords.echoItemId(id)));
        });
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        DynamoBatchGet.forEachItem(dynamo, table, keys, read -> read.projectionExpression("message_id, page_id, #status")
                        .expressionAttributeNames(STATUS_NAME), Deadline.none(), "message keys",
                item -> found.put(str(item, "message_id"), item));
        Map<String, EchoTarget> targets = new LinkedHashMap<>();
        for (String id : ids) {
            Map<String, AttributeValue> item = found.get(id);
            if (item != null && pageId.equals(str(item, "page_id")) && item.containsKey("status")) {
                targets.put(id, new EchoTarget(MessageStatus.fromWireName(str(item, "status")),
                        found.containsKey(MessageRecords.echoItemId(id))));
            }
        }
        return targets;
    }

    /**
     * One GSI query per Facebook message id (run at once, bounded), one batch read of the
     * statuses of the messages found, then one conditional update per message still awaiting
     * delivery: ids of other apps' messages cost their query only, and a redelivered receipt
     * writes nothing.
     */
    @Override
    public int markDelivered(String pageId, String psid, Collection<String> facebookMessageIds, Instant at) {
        return markDelivered(pageId, psid, facebookMessageIds, at, Set.of());
    }

    /** As {@link #markDelivered(String, String, Collection, Instant)}, leaving out the messages in {@code done}. */
    private int markDelivered(String pageId, String psid, Collection<String> facebookMessageIds, Instant at,
                              Set<String> done) {
        List<Callable<List<String>>> queries = new ArrayList<>();
        for (String mid : new LinkedHashSet<>(facebookMessageIds)) {
            queries.add(() -> call(() -> query(QueryRequest.builder().tableName(table).indexName(BY_FACEBOOK_MESSAGE_ID)
                    .keyConditionExpression("facebook_message_id = :mid")
                    .expressionAttributeValues(Map.of(":mid", s(mid))).build())));
        }
        List<String> found = Fanout.all(receiptExecutor, "DynamoDB", queries).stream().flatMap(List::stream)
                .filter(id -> !done.contains(id)).distinct().toList();
        List<MessageStatus> from = List.of(MessageStatus.SENDING, MessageStatus.SENT);
        List<Callable<Boolean>> updates = new ArrayList<>();
        DynamoBatchGet.forEachItem(dynamo, table, found.stream().map(DynamoMessageRecords::key).toList(),
                read -> read.projectionExpression("message_id, page_id, #status").expressionAttributeNames(STATUS_NAME),
                Deadline.none(), "message keys", item -> {
                    if (pageId.equals(str(item, "page_id")) && isMessage(item)
                            && from.contains(MessageStatus.fromWireName(str(item, "status")))) {
                        String id = str(item, "message_id");
                        updates.add(() -> advance(id, pageId, psid, MessageStatus.DELIVERED, at, from, null));
                    }
                });
        return (int) Fanout.all(receiptExecutor, "DynamoDB", updates).stream().filter(Boolean::booleanValue).count();
    }

    @Override
    public int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        return markDeliveryReceipt(pageId, psid, List.of(), watermarkMillis, at);
    }

    /**
     * The watermark's messages still awaiting delivery, then the listed mids it did not reach. A
     * redelivered (or older) receipt finds nothing to move and costs its one query.
     */
    @Override
    public int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds,
                                   Long watermarkMillis, Instant at) {
        if (watermarkMillis == null) {
            return facebookMessageIds.isEmpty() ? 0 : markDelivered(pageId, psid, facebookMessageIds, at);
        }
        Set<String> reached = java.util.concurrent.ConcurrentHashMap.newKeySet();
        int moved = advanceUpTo(pageId, psid, List.of(AWAITING_DELIVERY), watermarkMillis, MessageStatus.DELIVERED, at,
                List.of(MessageStatus.SENT), reached);
        if (!facebookMessageIds.isEmpty()) {
            // Only the mids the watermark did not reach (a failed conditional write is billed too).
            moved += markDelivered(pageId, psid, facebookMessageIds, at, reached);
        }
        return moved;
    }

    /** The watermark's messages still awaiting delivery or read. */
    @Override
    public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        return advanceUpTo(pageId, psid, List.of(AWAITING_DELIVERY, AWAITING_READ), watermarkMillis, MessageStatus.READ,
                at, List.of(MessageStatus.SENT, MessageStatus.DELIVERED), new HashSet<>());
    }

    /**
     * The receipt's new messages: one query per {@code by_recipient} partition named, and the
     * legacy partition ({@link #LEGACY_SLACK_MILLIS}), run at once, each holding only messages not
     * yet moved this far, whose Facebook timestamp ({@code sent_at}) is at or before the
     * watermark; then one conditional update per message found, at once, bounded.
     *
     * @param reached collects the ids the queries found
     */
    private int advanceUpTo(String pageId, String psid, List<String> stages, long watermarkMillis, MessageStatus to,
                            Instant at, List<MessageStatus> from, Set<String> reached) {
        List<Callable<List<String>>> queries = new ArrayList<>();
        for (String stage : stages) {
            queries.add(() -> recipientPartition(recipientKey(pageId, psid, stage), watermarkMillis));
        }
        String legacyKey = recipientKey(pageId, psid, "");
        queries.add(() -> recipientPartition(legacyKey, watermarkMillis + LEGACY_SLACK_MILLIS));
        List<List<String>> found = Fanout.all(receiptExecutor, "DynamoDB", queries);
        List<String> legacy = found.get(found.size() - 1);
        List<String> ids = found.stream().flatMap(List::stream).distinct().toList();
        reached.addAll(ids);
        List<Callable<Boolean>> tasks = new ArrayList<>(ids.size());
        for (String id : ids) {
            tasks.add(legacy.contains(id) ? () -> advanceLegacy(id, pageId, psid, legacyKey, to, at, from)
                    : () -> advance(id, pageId, psid, to, at, from, null));
        }
        return (int) Fanout.all(receiptExecutor, "DynamoDB", tasks).stream().filter(Boolean::booleanValue).count();
    }

    /** The ids in one {@code by_recipient} partition up to {@code sentAtMost}. */
    private List<String> recipientPartition(String key, long sentAtMost) {
        return call(() -> query(QueryRequest.builder().tableName(table).indexName(BY_RECIPIENT)
                .keyConditionExpression("recipient_psid_key = :k AND sent_at <= :w")
                .expressionAttributeValues(Map.of(":k", s(key), ":w", n(sentAtMost))).build()));
    }

    /**
     * A message of the first version's partition: moved as the receipt says when it can be (which
     * also takes it out of the legacy partition); otherwise (already that far) re-keyed to the
     * partition its status belongs in, or out of the index when read, so no receipt finds it again.
     */
    private boolean advanceLegacy(String messageId, String pageId, String psid, String legacyKey, MessageStatus to,
                                  Instant at, List<MessageStatus> from) {
        Map<String, AttributeValue> old = tryAdvance(messageId, pageId, psid, to, at, from, legacyKey);
        if (old == null) {
            return true;
        }
        if (!legacyKey.equals(str(old, "recipient_psid_key")) || !isMessage(old)) {
            return false; // moved meanwhile, or gone
        }
        MessageStatus status = MessageStatus.fromWireName(str(old, "status"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":legacy", s(legacyKey), ":status", status(status)));
        String update;
        if (status == MessageStatus.SENT || status == MessageStatus.SENDING) {
            values.put(":key", s(recipientKey(pageId, psid, AWAITING_DELIVERY)));
            values.put(":slack", n(LEGACY_SLACK_MILLIS));
            update = "SET recipient_psid_key = :key, sent_at = sent_at - :slack";
        } else if (status == MessageStatus.DELIVERED) {
            values.put(":key", s(recipientKey(pageId, psid, AWAITING_READ)));
            values.put(":slack", n(LEGACY_SLACK_MILLIS));
            update = "SET recipient_psid_key = :key, sent_at = sent_at - :slack";
        } else {
            update = "REMOVE recipient_psid_key";
        }
        call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId)).updateExpression(update)
                        .conditionExpression("recipient_psid_key = :legacy AND #status = :status")
                        .expressionAttributeNames(STATUS_NAME).expressionAttributeValues(values));
            } catch (ConditionalCheckFailedException e) {
                // Moved meanwhile by another receipt: it left the legacy partition anyway.
            }
            return null;
        });
        return false;
    }

    /**
     * Moves a message to {@code to}, and in {@code by_recipient} with it: a delivered one to the
     * partition of messages awaiting read (when the receipt names its PSID), a read one out.
     * With {@code legacyKey}, only while the message is still in that (first version's) partition.
     */
    private boolean advance(String messageId, String pageId, String psid, MessageStatus to, Instant at,
                            List<MessageStatus> from, String legacyKey) {
        return tryAdvance(messageId, pageId, psid, to, at, from, legacyKey) == null;
    }

    /**
     * As {@link #advance}; null when it moved, else the item as it stands (empty when absent), so
     * a legacy message can be re-keyed without another read.
     */
    private Map<String, AttributeValue> tryAdvance(String messageId, String pageId, String psid, MessageStatus to,
                                                   Instant at, List<MessageStatus> from, String legacyKey) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":to", s(to.wireName()));
        values.put(":at", s(at.toString()));
        values.put(":page", s(pageId));
        List<String> placeholders = new ArrayList<>();
        for (int i = 0; i < from.size(); i++) {
            values.put(":from" + i, s(from.get(i).wireName()));
            placeholders.add(":from" + i);
        }
        String timeField = to == MessageStatus.READ ? "read_at" : "delivered_at";
        StringBuilder update = new StringBuilder("SET #status = :to, updated_at = :at, " + timeField + " = :at");
        StringBuilder condition = new StringBuilder("page_id = :page");
        if (to == MessageStatus.READ) {
            update.append(" REMOVE recipient_psid_key");
        } else if (psid != null) {
            values.put(":psid", s(psid));
            values.put(":key", s(recipientKey(pageId, psid, AWAITING_READ)));
            update.append(", recipient_psid_key = :key");
            condition.append(" AND psid = :psid");
        }
        condition.append(" AND #status IN (").append(String.join(", ", placeholders)).append(')');
        if (legacyKey != null) {
            values.put(":legacy", s(legacyKey));
            condition.append(" AND recipient_psid_key = :legacy");
            if (to != MessageStatus.READ) {
                // Its sent_at is the worker's clock after Graph's reply: keep the slack it was found with.
                values.put(":slack", n(LEGACY_SLACK_MILLIS));
                update.append(", sent_at = sent_at - :slack");
            }
        }
        return call(() -> {
            try {
                dynamo.updateItem(r -> r.tableName(table).key(key(messageId))
                        .updateExpression(update.toString())
                        .conditionExpression(condition.toString())
                        .expressionAttributeNames(Map.of("#status", "status"))
                        .expressionAttributeValues(values)
                        .returnValuesOnConditionCheckFailure(legacyKey == null ? ReturnValuesOnConditionCheckFailure.NONE
                                : ReturnValuesOnConditionCheckFailure.ALL_OLD));
                return null;
            } catch (ConditionalCheckFailedException e) {
                return e.item() == null ? Map.<String, AttributeValue>of() : e.item();
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
