package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.store.Lifecycle.Transition;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static ai.joinchat.push.store.MessageItem.AWAITING_DELIVERY;
import static ai.joinchat.push.store.MessageItem.AWAITING_READ;
import static ai.joinchat.push.store.MessageItem.ECHOED_AT;
import static ai.joinchat.push.store.MessageItem.MESSAGE_ID;
import static ai.joinchat.push.store.MessageItem.PAGE_ID;
import static ai.joinchat.push.store.MessageItem.RECIPIENT_KEY;
import static ai.joinchat.push.store.MessageItem.SENT_AT;
import static ai.joinchat.push.store.MessageItem.STATUS;

/**
 * {@link MessageRecords} in the DynamoDB table of {@code MESSAGES_TABLE} ({@link MessageItem}):
 * each transition one conditional UpdateItem ({@link TransitionUpdate}). Receipts find only the
 * messages they newly move (docs/operations.md#receipts-and-the-messages-table), queries and
 * updates in turn: the webhook runs receipts side by side, one thread each.
 */
public final class DynamoMessageRecords extends LifecycleStore {

    private static final String DYNAMODB = "DynamoDB";
    private static final String NEW_ITEM = "attribute_not_exists(#id)";
    private static final Map<String, String> ID_NAME = Map.of("#id", MESSAGE_ID);

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoMessageRecords(DynamoDbClient dynamo, String table, Duration retention) {
        super(retention);
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    protected Written write(Transition transition, String messageId, Inputs in, Deadline deadline) {
        UpdateItemRequest request = TransitionUpdate.request(table, transition, messageId, in).toBuilder()
                .overrideConfiguration(SdkFailures.within(deadline, DYNAMODB)).build();
        return SdkFailures.call(DYNAMODB, () -> {
            try {
                Map<String, AttributeValue> before = dynamo.updateItem(request).attributes();
                return new Written.Applied(before == null ? Map.of() : before);
            } catch (ConditionalCheckFailedException refused) {
                return new Written.Refused(refused.item() == null ? Map.of() : refused.item());
            }
        });
    }

    @Override
    public void createPending(MessageRecord record, Deadline deadline) {
        try {
            SdkFailures.run(DYNAMODB, () -> dynamo.putItem(r -> r.tableName(table).item(MessageItem.of(record, retention))
                    .conditionExpression(NEW_ITEM).expressionAttributeNames(ID_NAME)
                    .overrideConfiguration(SdkFailures.within(deadline, DYNAMODB))));
        } catch (ConditionalCheckFailedException e) {
            // an earlier try of this one landed (message ids are unique)
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
                    .consistentRead(true).overrideConfiguration(SdkFailures.within(deadline, DYNAMODB))).item();
            return MessageItem.isMessage(item) ? Optional.of(MessageItem.toRecord(item)) : Optional.empty();
        });
    }

    @Override
    public Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds, Deadline deadline) {
        List<String> ids = messageIds.stream().filter(id -> id != null && !id.isEmpty()).distinct().toList();
        List<Map<String, AttributeValue>> keys = ids.stream().map(MessageItem::key).toList();
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        DynamoBatch.get(dynamo, table, keys, read -> read.projectionExpression("#id, #page, #status, #echoed")
                        .expressionAttributeNames(Map.of("#id", MESSAGE_ID, "#page", PAGE_ID, "#status", STATUS,
                                "#echoed", ECHOED_AT)),
                deadline, "message keys", item -> found.put(MessageItem.str(item, MESSAGE_ID), item));
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

    /**
     * The watermark's messages still awaiting delivery, then the listed mids it did not reach (a
     * failed conditional write is billed too). A redelivered (or older) receipt finds nothing to
     * move and costs its one query.
     */
    @Override
    public int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds,
                                   Long watermarkMillis, Instant at, Deadline deadline) {
        Set<String> reached = watermarkMillis == null ? Set.of()
                : upTo(Transition.DELIVERED_UP_TO, pageId, psid, watermarkMillis, at, deadline);
        return reached.size() + (facebookMessageIds.isEmpty() ? 0
                : deliveredByMid(pageId, psid, facebookMessageIds, at, reached, deadline));
    }

    @Override
    public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at, Deadline deadline) {
        return upTo(Transition.READ_UP_TO, pageId, psid, watermarkMillis, at, deadline).size();
    }

    private int deliveredByMid(String pageId, String psid, Collection<String> facebookMessageIds, Instant at,
                               Set<String> done, Deadline deadline) {
        List<String> found = new LinkedHashSet<>(facebookMessageIds).stream()
                .flatMap(mid -> query(QueryRequest.builder().indexName(MessageItem.BY_FACEBOOK_MESSAGE_ID)
                        .keyConditionExpression("#mid = :mid")
                        .expressionAttributeNames(Map.of("#mid", MessageItem.FACEBOOK_MESSAGE_ID))
                        .expressionAttributeValues(Map.of(":mid", MessageItem.s(mid))), deadline).stream())
                .filter(id -> !done.contains(id)).toList();
        Inputs in = Inputs.at(at).withPage(pageId).withReceipt(psid, null);
        return (int) echoTargets(pageId, found, deadline).entrySet().stream()
                .filter(target -> Transition.DELIVERED_BY_MID.from.contains(target.getValue().status()))
                .filter(target -> run(Transition.DELIVERED_BY_MID, target.getKey(), in, deadline)).count();
    }

    /**
     * One query per {@code by_recipient} partition the transition moves from, up to the watermark,
     * then one conditional update per message found, which compares the watermark with its exact
     * Facebook time; answers the messages it moved.
     */
    private Set<String> upTo(Transition transition, String pageId, String psid, long watermarkMillis, Instant at,
                             Deadline deadline) {
        Set<String> ids = new LinkedHashSet<>();
        ids.addAll(partition(MessageItem.recipientKey(pageId, psid, AWAITING_DELIVERY), watermarkMillis, deadline));
        if (transition == Transition.READ_UP_TO) {
            ids.addAll(partition(MessageItem.recipientKey(pageId, psid, AWAITING_READ), watermarkMillis, deadline));
        }
        Inputs in = Inputs.at(at).withPage(pageId).withReceipt(psid, watermarkMillis);
        return ids.stream().filter(id -> run(transition, id, in, deadline)).collect(Collectors.toSet());
    }

    private List<String> partition(String key, long sentAtMost, Deadline deadline) {
        return query(QueryRequest.builder().indexName(MessageItem.BY_RECIPIENT)
                .keyConditionExpression("#key = :k AND #sent_at <= :w")
                .expressionAttributeNames(Map.of("#key", RECIPIENT_KEY, "#sent_at", SENT_AT))
                .expressionAttributeValues(Map.of(":k", MessageItem.s(key), ":w", MessageItem.value(sentAtMost))),
                deadline);
    }

    private List<String> query(QueryRequest.Builder request, Deadline deadline) {
        request.tableName(table).overrideConfiguration(SdkFailures.within(deadline, DYNAMODB));
        return SdkFailures.call(DYNAMODB, () -> dynamo.queryPaginator(request.build()).items().stream()
                .map(item -> MessageItem.str(item, MESSAGE_ID)).toList());
    }
}
