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

import static ai.joinchat.push.store.MessageItem.AWAITING_DELIVERY;
import static ai.joinchat.push.store.MessageItem.AWAITING_READ;
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
record ReceiptQueries(DynamoDbClient dynamo, String table, TransitionUpdate updates) {

    /**
     * One GSI query per Facebook message id, one batch read of the statuses found, then one
     * conditional update per message still awaiting delivery and not in {@code done}.
     */
    int deliveredByMid(String pageId, String psid, Collection<String> facebookMessageIds, Instant at, Set<String> done,
                       Deadline deadline) {
        List<Map<String, AttributeValue>> found = new LinkedHashSet<>(facebookMessageIds).stream()
                .flatMap(mid -> query(QueryRequest.builder().indexName(MessageItem.BY_FACEBOOK_MESSAGE_ID)
                        .keyConditionExpression("#mid = :mid")
                        .expressionAttributeNames(Map.of("#mid", MessageItem.FACEBOOK_MESSAGE_ID))
                        .expressionAttributeValues(Map.of(":mid", MessageItem.s(mid))), deadline).stream())
                .filter(id -> !done.contains(id)).distinct().map(MessageItem::key).toList();
        Inputs in = Inputs.at(at).withPage(pageId).withPsid(psid);
        List<String> awaiting = new ArrayList<>();
        DynamoBatchGet.forEachItem(dynamo, table, found, MessageItem::idPageStatus, deadline, "message keys", item -> {
            if (pageId.equals(MessageItem.str(item, PAGE_ID)) && MessageItem.isMessage(item)
                    && Transition.DELIVERED_BY_MID.from.contains(status(item))) {
                awaiting.add(MessageItem.str(item, MESSAGE_ID));
            }
        });
        return (int) awaiting.stream().filter(id -> moved(Transition.DELIVERED_BY_MID, id, in, deadline)).count();
    }

    /**
     * One query per {@code by_recipient} partition the transition moves from, up to the watermark, then one conditional update per message found, which compares the
     * watermark with its exact Facebook time; the messages moved are collected in {@code reached}.
     */
    int upTo(Transition transition, String pageId, String psid, long watermarkMillis, Instant at, Set<String> reached,
             Deadline deadline) {
        Set<String> ids = new LinkedHashSet<>();
        ids.addAll(partition(MessageItem.recipientKey(pageId, psid, AWAITING_DELIVERY), watermarkMillis, deadline));
        if (transition == Transition.READ_UP_TO) {
            ids.addAll(partition(MessageItem.recipientKey(pageId, psid, AWAITING_READ), watermarkMillis, deadline));
        }
        Inputs in = Inputs.at(at).withPage(pageId).withPsid(psid).withWatermark(watermarkMillis);
        int moved = 0;
        for (String id : ids) {
            if (moved(transition, id, in, deadline)) {
                reached.add(id);
                moved++;
            }
        }
        return moved;
    }

    private boolean moved(Transition transition, String messageId, Inputs in, Deadline deadline) {
        return updates.run(transition, messageId, in, deadline) instanceof LifecycleStore.Written.Applied;
    }

    /** The ids in one {@code by_recipient} partition up to {@code sentAtMost}. */
    private List<String> partition(String key, long sentAtMost, Deadline deadline) {
        return query(QueryRequest.builder().indexName(MessageItem.BY_RECIPIENT)
                .keyConditionExpression("#key = :k AND #sent_at <= :w")
                .expressionAttributeNames(Map.of("#key", RECIPIENT_KEY, "#sent_at", SENT_AT))
                .expressionAttributeValues(Map.of(":k", MessageItem.s(key), ":w", MessageItem.value(sentAtMost))),
                deadline);
    }

    /** The message ids the query finds, page after page. */
    private List<String> query(QueryRequest.Builder request, Deadline deadline) {
        request.tableName(table).overrideConfiguration(AwsCalls.within(deadline, "DynamoDB"));
        return SdkFailures.call("DynamoDB", () -> {
            List<String> ids = new ArrayList<>();
            Map<String, AttributeValue> start = null;
            do {
                QueryResponse page = dynamo.query((start == null ? request : request.exclusiveStartKey(start)).build());
                page.items().forEach(item -> ids.add(MessageItem.str(item, MESSAGE_ID)));
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
            return ids;
        });
    }

    private static MessageStatus status(Map<String, AttributeValue> item) {
        return MessageStatus.fromWireName(MessageItem.str(item, STATUS));
    }
}
