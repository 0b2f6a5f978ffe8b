package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.store.Lifecycle.Transition;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static ai.joinchat.push.store.MessageItem.AWAITING_DELIVERY;
import static ai.joinchat.push.store.MessageItem.AWAITING_READ;
import static ai.joinchat.push.store.MessageItem.LEGACY_SLACK_MILLIS;
import static ai.joinchat.push.store.MessageItem.MESSAGE_ID;
import static ai.joinchat.push.store.MessageItem.PAGE_ID;
import static ai.joinchat.push.store.MessageItem.RECIPIENT_KEY;
import static ai.joinchat.push.store.MessageItem.SENT_AT;
import static ai.joinchat.push.store.MessageItem.STATUS;

/**
 * Receipts on the Messages table: they find only the messages they newly move (the
 * {@code by_recipient} partitions of messages still awaiting delivery or read, and the
 * {@code by_facebook_message_id} index), then run one receipt transition per message found, the
 * queries and the updates in turn (the webhook runs receipts side by side, one thread each).
 */
final class ReceiptQueries {

    private final DynamoDbClient dynamo;
    private final String table;
    private final TransitionUpdate updates;

    ReceiptQueries(DynamoDbClient dynamo, String table, TransitionUpdate updates) {
        this.dynamo = dynamo;
        this.table = table;
        this.updates = updates;
    }

    /**
     * One GSI query per Facebook message id, one batch read of the statuses found, then one
     * conditional update per message still awaiting delivery and not in {@code done}.
     */
    int deliveredByMid(String pageId, String psid, Collection<String> facebookMessageIds, Instant at, Set<String> done,
                       Deadline deadline) {
        List<Supplier<List<String>>> queries = new ArrayList<>();
        for (String mid : new LinkedHashSet<>(facebookMessageIds)) {
            queries.add(() -> query(QueryRequest.builder().tableName(table).indexName(MessageItem.BY_FACEBOOK_MESSAGE_ID)
                    .keyConditionExpression("#mid = :mid").expressionAttributeNames(Map.of("#mid",
                            MessageItem.FACEBOOK_MESSAGE_ID))
                    .expressionAttributeValues(Map.of(":mid", MessageItem.s(mid))).build(), deadline));
        }
        List<String> found = inTurn(queries).stream().flatMap(List::stream)
                .filter(id -> !done.contains(id)).distinct().toList();
        Inputs in = Inputs.at(at).withPage(pageId).withPsid(psid);
        List<Supplier<Boolean>> moves = new ArrayList<>();
        DynamoBatchGet.forEachItem(dynamo, table, found.stream().map(MessageItem::key).toList(),
                MessageItem::idPageStatus, deadline, "message keys", item -> {
                    if (pageId.equals(MessageItem.str(item, PAGE_ID)) && MessageItem.isMessage(item)
                            && Transition.DELIVERED_BY_MID.from.contains(status(item))) {
                        String id = MessageItem.str(item, MESSAGE_ID);
                        moves.add(() -> moved(Transition.DELIVERED_BY_MID, id, in, deadline));
                    }
                });
        return count(inTurn(moves));
    }

    /**
     * One query per {@code by_recipient} partition the transition moves from (and the legacy one)
     * up to the watermark, then one conditional update per message found, which compares the
     * watermark with its exact Facebook time; the messages moved are collected in {@code reached}.
     */
    int upTo(Transition transition, Transition legacyTransition, String pageId, String psid, long watermarkMillis,
             Instant at, Set<String> reached, Deadline deadline) {
        List<String> stages = transition == Transition.READ_UP_TO ? List.of(AWAITING_DELIVERY, AWAITING_READ)
                : List.of(AWAITING_DELIVERY);
        List<Supplier<List<String>>> queries = new ArrayList<>();
        for (String stage : stages) {
            queries.add(() -> partition(MessageItem.recipientKey(pageId, psid, stage), watermarkMillis, deadline));
        }
        queries.add(() -> partition(MessageItem.recipientKey(pageId, psid, ""), watermarkMillis + LEGACY_SLACK_MILLIS,
                deadline));
        List<List<String>> found = inTurn(queries);
        List<String> legacy = found.get(found.size() - 1);
        List<String> ids = found.stream().flatMap(List::stream).distinct().toList();
        Inputs in = Inputs.at(at).withPage(pageId).withPsid(psid).withWatermark(watermarkMillis);
        List<Supplier<Boolean>> moves = new ArrayList<>(ids.size());
        for (String id : ids) {
            moves.add(legacy.contains(id) ? () -> movedFromLegacy(legacyTransition, id, in, deadline)
                    : () -> moved(transition, id, in, deadline));
        }
        List<Boolean> moved = inTurn(moves);
        for (int i = 0; i < ids.size(); i++) {
            if (moved.get(i)) {
                reached.add(ids.get(i));
            }
        }
        return count(moved);
    }

    private boolean moved(Transition transition, String messageId, Inputs in, Deadline deadline) {
        return updates.run(transition, messageId, in, deadline) instanceof LifecycleStore.Written.Applied;
    }

    /**
     * A message of the first version's partition: moved as the receipt says when it can be (which
     * also takes it out of the legacy partition); otherwise (already that far) re-keyed to the
     * partition its status belongs in, or out of the index, so no receipt finds it again.
     */
    private boolean movedFromLegacy(Transition transition, String messageId, Inputs in, Deadline deadline) {
        LifecycleStore.Written written = updates.run(transition, messageId, in, deadline);
        if (!(written instanceof LifecycleStore.Written.Refused refused)) {
            return true;
        }
        Map<String, AttributeValue> current = refused.current();
        if (!MessageItem.isMessage(current)
                || !MessageItem.recipientKey(in.pageId(), in.psid(), "").equals(MessageItem.str(current, RECIPIENT_KEY))) {
            return false; // moved meanwhile, or gone
        }
        Transition rekey = switch (status(current)) {
            case SENT, SENDING -> Transition.REKEY_LEGACY_AWAITING_DELIVERY;
            case DELIVERED -> Transition.REKEY_LEGACY_AWAITING_READ;
            default -> Transition.UNINDEX_LEGACY;
        };
        // Refused: moved meanwhile by another receipt, so it left the legacy partition anyway.
        updates.run(rekey, messageId, in, deadline);
        return false;
    }

    /** The ids in one {@code by_recipient} partition up to {@code sentAtMost}. */
    private List<String> partition(String key, long sentAtMost, Deadline deadline) {
        return query(QueryRequest.builder().tableName(table).indexName(MessageItem.BY_RECIPIENT)
                .keyConditionExpression("#key = :k AND #sent_at <= :w")
                .expressionAttributeNames(Map.of("#key", RECIPIENT_KEY, "#sent_at", SENT_AT))
                .expressionAttributeValues(Map.of(":k", MessageItem.s(key), ":w", MessageItem.value(sentAtMost)))
                .build(), deadline);
    }

    private List<String> query(QueryRequest request, Deadline deadline) {
        return SdkFailures.call("DynamoDB", () -> {
            List<String> ids = new ArrayList<>();
            Map<String, AttributeValue> start = null;
            do {
                QueryRequest.Builder next = (start == null ? request : request.toBuilder().exclusiveStartKey(start).build())
                        .toBuilder().overrideConfiguration(AwsCalls.within(deadline, "DynamoDB"));
                QueryResponse page = dynamo.query(next.build());
                page.items().forEach(item -> ids.add(MessageItem.str(item, MESSAGE_ID)));
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
            return ids;
        });
    }

    private static MessageStatus status(Map<String, AttributeValue> item) {
        return MessageStatus.fromWireName(MessageItem.str(item, STATUS));
    }

    private static <T> List<T> inTurn(List<Supplier<T>> calls) {
        return calls.stream().map(Supplier::get).toList();
    }

    private static int count(List<Boolean> moved) {
        return (int) moved.stream().filter(Boolean::booleanValue).count();
    }
}
