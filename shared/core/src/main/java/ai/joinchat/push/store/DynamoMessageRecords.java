package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.store.Lifecycle.Transition;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static ai.joinchat.push.store.MessageItem.ECHOED_AT;
import static ai.joinchat.push.store.MessageItem.MESSAGE_ID;
import static ai.joinchat.push.store.MessageItem.PAGE_ID;
import static ai.joinchat.push.store.MessageItem.STATUS;

/**
 * {@link MessageRecords} in the DynamoDB table of {@code MESSAGES_TABLE} ({@link MessageItem}):
 * each transition one conditional UpdateItem ({@link TransitionUpdate}), receipts through the
 * indexes ({@link ReceiptQueries}), the echo of a message on its item.
 */
public final class DynamoMessageRecords extends LifecycleStore {

    private static final String DYNAMODB = "DynamoDB";
    private static final String NEW_ITEM = "attribute_not_exists(#id)";
    private static final Map<String, String> ID_NAME = Map.of("#id", MESSAGE_ID);

    private final DynamoDbClient dynamo;
    private final String table;
    private final TransitionUpdate updates;
    private final ReceiptQueries receipts;

    public DynamoMessageRecords(DynamoDbClient dynamo, String table, Duration retention) {
        super(retention);
        this.dynamo = dynamo;
        this.table = table;
        this.updates = new TransitionUpdate(dynamo, table);
        this.receipts = new ReceiptQueries(dynamo, table, updates);
    }

    @Override
    protected Written write(Transition transition, String messageId, Inputs in, Deadline deadline) {
        return updates.run(transition, messageId, in, deadline);
    }

    /** Message ids are unique: a refused put means an earlier try of this one landed. */
    @Override
    public void createPending(MessageRecord record, Deadline deadline) {
        try {
            SdkFailures.run(DYNAMODB, () -> dynamo.putItem(r -> r.tableName(table).item(MessageItem.of(record, retention))
                    .conditionExpression(NEW_ITEM).expressionAttributeNames(ID_NAME)
                    .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB))));
        } catch (ConditionalCheckFailedException e) {
            // there already
        }
    }

    /** The conditional put of a pending record, for a transaction that writes it with something else. */
    public Put pendingPut(MessageRecord record) {
        return Put.builder().tableName(table).item(MessageItem.of(record, retention))
                .conditionExpression(NEW_ITEM).expressionAttributeNames(ID_NAME).build();
    }

    @Override
    public Optional<MessageRecord> find(String messageId, Deadline deadline) {
        return SdkFailures.call(DYNAMODB, () -> {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(MessageItem.key(messageId))
                    .consistentRead(true).overrideConfiguration(AwsCalls.within(deadline, DYNAMODB))).item();
            return MessageItem.isMessage(item) ? Optional.of(MessageItem.toRecord(item)) : Optional.empty();
        });
    }

    /** One batch read of the messages. */
    @Override
    public Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds, Deadline deadline) {
        List<String> ids = messageIds.stream().filter(id -> id != null && !id.isEmpty()).distinct().toList();
        List<Map<String, AttributeValue>> keys = ids.stream().map(MessageItem::key).toList();
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        DynamoBatchGet.forEachItem(dynamo, table, keys, MessageItem::idPageStatus, deadline, "message keys",
                item -> found.put(MessageItem.str(item, MESSAGE_ID), item));
        Map<String, EchoTarget> targets = new LinkedHashMap<>();
        for (String id : ids) {
            Map<String, AttributeValue> item = found.get(id);
            if (MessageItem.isMessage(item) && pageId.equals(MessageItem.str(item, PAGE_ID))) {
                targets.put(id, new EchoTarget(MessageStatus.fromWireName(MessageItem.str(item, STATUS)),
                        item.containsKey(ECHOED_AT)));
            }
        }
        return targets;
    }

    @Override
    public int markDelivered(String pageId, String psid, Collection<String> facebookMessageIds, Instant at,
                             Deadline deadline) {
        return receipts.deliveredByMid(pageId, psid, facebookMessageIds, at, Set.of(), deadline);
    }

    @Override
    public int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at, Deadline deadline) {
        return markDeliveryReceipt(pageId, psid, List.of(), watermarkMillis, at, deadline);
    }

    /**
     * The watermark's messages still awaiting delivery, then the listed mids it did not reach (a
     * failed conditional write is billed too). A redelivered (or older) receipt finds nothing to
     * move and costs its one query.
     */
    @Override
    public int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds,
                                   Long watermarkMillis, Instant at, Deadline deadline) {
        if (watermarkMillis == null) {
            return facebookMessageIds.isEmpty() ? 0 : markDelivered(pageId, psid, facebookMessageIds, at, deadline);
        }
        Set<String> reached = new HashSet<>();
        int moved = receipts.upTo(Transition.DELIVERED_UP_TO, pageId, psid, watermarkMillis, at, reached,
                deadline);
        if (!facebookMessageIds.isEmpty()) {
            moved += receipts.deliveredByMid(pageId, psid, facebookMessageIds, at, reached, deadline);
        }
        return moved;
    }

    /** The watermark's messages still awaiting delivery or read. */
    @Override
    public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at, Deadline deadline) {
        return receipts.upTo(Transition.READ_UP_TO, pageId, psid, watermarkMillis, at, new HashSet<>(), deadline);
    }
}
