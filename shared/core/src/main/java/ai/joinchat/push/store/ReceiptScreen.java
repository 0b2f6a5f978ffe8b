package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.store.MessageRecords.Receipt;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static ai.joinchat.push.store.MessageItem.AWAITING_DELIVERY;
import static ai.joinchat.push.store.MessageItem.AWAITING_READ;
import static ai.joinchat.push.store.MessageItem.FACEBOOK_MESSAGE_ID;
import static ai.joinchat.push.store.MessageItem.LEGACY_SLACK_MILLIS;
import static ai.joinchat.push.store.MessageItem.RECIPIENT_KEY;
import static ai.joinchat.push.store.MessageItem.SENT_AT;

/**
 * Many users' receipts screened in a few PartiQL SELECTs of the indexes, each naming up to 50
 * partition keys ({@code IN}): the {@code by_recipient} partitions and bounds {@link ReceiptQueries}
 * queries for each receipt, and its mids in {@code by_facebook_message_id}. A receipt none of whose
 * partitions or mids holds a message would move nothing, and is left out.
 */
final class ReceiptScreen {

    /** PartiQL's most partition keys in one {@code IN}. */
    static final int KEYS_PER_STATEMENT = 50;

    private final DynamoDbClient dynamo;
    private final String table;

    ReceiptScreen(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    List<Receipt> mayMove(List<Receipt> receipts, Deadline deadline) {
        Set<Receipt> found = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<String, List<Receipt>> byMid = new HashMap<>();
        Map<String, List<Bound>> byPartition = new HashMap<>();
        long highest = 0;
        for (Receipt receipt : receipts) {
            receipt.facebookMessageIds().forEach(mid -> byMid.computeIfAbsent(mid, m -> new ArrayList<>()).add(receipt));
            if (receipt.watermarkMillis() != null) {
                long watermark = receipt.watermarkMillis();
                highest = Math.max(highest, watermark + LEGACY_SLACK_MILLIS);
                // As ReceiptQueries.upTo queries them.
                bound(byPartition, receipt, AWAITING_DELIVERY, watermark);
                if (receipt.read()) {
                    bound(byPartition, receipt, AWAITING_READ, watermark);
                }
                bound(byPartition, receipt, "", watermark + LEGACY_SLACK_MILLIS);
            }
        }
        select(MessageItem.BY_RECIPIENT, RECIPIENT_KEY, byPartition.keySet(), " AND \"" + SENT_AT + "\" <= ?",
                List.of(MessageItem.value(highest)), deadline, item -> {
                    long sentAt = Long.parseLong(item.get(SENT_AT).n());
                    byPartition.getOrDefault(MessageItem.str(item, RECIPIENT_KEY), List.of()).stream()
                            .filter(b -> sentAt <= b.sentAtMost()).forEach(b -> found.add(b.receipt()));
                });
        select(MessageItem.BY_FACEBOOK_MESSAGE_ID, FACEBOOK_MESSAGE_ID, byMid.keySet(), "", List.of(), deadline,
                item -> found.addAll(byMid.getOrDefault(MessageItem.str(item, FACEBOOK_MESSAGE_ID), List.of())));
        return receipts.stream().filter(found::contains).toList();
    }

    private record Bound(Receipt receipt, long sentAtMost) {
    }

    private static void bound(Map<String, List<Bound>> byPartition, Receipt receipt, String stage, long sentAtMost) {
        byPartition.computeIfAbsent(MessageItem.recipientKey(receipt.pageId(), receipt.psid(), stage),
                key -> new ArrayList<>()).add(new Bound(receipt, sentAtMost));
    }

    /** The items of {@code index} whose {@code keyName} is one of {@code keys}, 50 keys per statement, every page. */
    private void select(String index, String keyName, Set<String> keys, String condition, List<AttributeValue> values,
                        Deadline deadline, Consumer<Map<String, AttributeValue>> found) {
        List<String> all = new ArrayList<>(keys);
        for (int from = 0; from < all.size(); from += KEYS_PER_STATEMENT) {
            List<String> some = all.subList(from, Math.min(all.size(), from + KEYS_PER_STATEMENT));
            String statement = "SELECT * FROM \"" + table + "\".\"" + index + "\" WHERE \"" + keyName + "\" IN ["
                    + String.join(",", Collections.nCopies(some.size(), "?")) + "]" + condition;
            List<AttributeValue> parameters = new ArrayList<>(some.stream().map(MessageItem::s).toList());
            parameters.addAll(values);
            String next = null;
            do {
                String token = next;
                ExecuteStatementResponse page = SdkFailures.call("DynamoDB", () -> dynamo.executeStatement(r -> r
                        .statement(statement).parameters(parameters).nextToken(token)
                        .overrideConfiguration(AwsCalls.within(deadline, "DynamoDB"))));
                page.items().forEach(found);
                next = page.nextToken();
            } while (next != null);
        }
    }
}
