package ai.joinchat.push.tools;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code migrate-records} on DynamoDB Local's Messages table, as the stack declares it: the items
 * earlier versions left (the first version's {@code by_recipient} partition, echoes as their own
 * items) end where this version's receipts and status reads find them, and receipts then move them
 * as they move any message.
 */
@ExtendWith(LocalAwsExtension.class)
class MigrateRecordsCommandTest {

    private final LocalAws aws;
    private String table;
    private String page;
    private DynamoMessageRecords records;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    MigrateRecordsCommandTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeEach
    void table() {
        table = aws.tableName("MessagesTable");
        page = Long.toString(9_000_000_000L + System.nanoTime() % 1_000_000_000L);
        records = new DynamoMessageRecords(aws.dynamoDb(), table, Duration.ofDays(15));
        migrate("--table", table); // what other tests left
        out.reset();
    }

    @Test
    void firstVersionMessagesLeaveItsPartitionAndThenAdvanceByReceipts() {
        Instant repliedAt = Instant.now().minusSeconds(120);
        String sent = legacyMessage("7250001", "sent", repliedAt);
        String delivered = legacyMessage("7250001", "delivered", repliedAt.minusSeconds(10));
        String read = legacyMessage("7250001", "read", repliedAt.minusSeconds(20));
        String current = legacyMessage("7250002", "sent", repliedAt);
        put(current, "recipient_psid_key", AttributeValue.fromS(page + "#7250002#d"));

        assertEquals(0, migrate("--table", table, "--dry-run"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("awaiting delivery=1"), out.toString());
        assertEquals(page + "#7250001", item(sent).get("recipient_psid_key").s(), "a dry run writes nothing");

        assertEquals(0, migrate("--table", table));
        assertEquals(page + "#7250001#d", item(sent).get("recipient_psid_key").s());
        assertEquals(Long.toString(repliedAt.toEpochMilli() - 60_000), item(sent).get("sent_at").n(),
                "the first version's 60 s slack kept");
        assertEquals(page + "#7250001#r", item(delivered).get("recipient_psid_key").s());
        assertNull(item(read).get("recipient_psid_key"), "a read message leaves the index");
        assertEquals(page + "#7250002#d", item(current).get("recipient_psid_key").s(), "this version's: untouched");
        assertEquals(Long.toString(repliedAt.toEpochMilli()), item(current).get("sent_at").n());

        // Facebook stamped the sent one before the worker heard Graph's reply (within the slack).
        long facebookStamp = repliedAt.toEpochMilli() - 2_000;
        assertEquals(1, records.markDeliveryReceipt(page, "7250001", List.of(), facebookStamp, Instant.now(), Deadline.none()));
        assertEquals(MessageStatus.DELIVERED, records.find(sent, Deadline.none()).orElseThrow().status());
        assertEquals(2, records.markReadUpTo(page, "7250001", facebookStamp, Instant.now(), Deadline.none()));
        assertEquals(MessageStatus.READ, records.find(delivered, Deadline.none()).orElseThrow().status());

        out.reset();
        assertEquals(0, migrate("--table", table));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("migrated: nothing"), "a second run: " + out);
    }

    @Test
    void anEchoRecordedAsItsOwnItemMovesOntoItsMessage() {
        Instant repliedAt = Instant.now().minusSeconds(60);
        String echoed = legacyMessage("7260001", "sent", repliedAt);
        put(echoed, "recipient_psid_key", AttributeValue.fromS(page + "#7260001#d"));
        Instant echoTime = repliedAt.minusMillis(700);
        echoItem(echoed, echoTime);
        String orphan = UUID.randomUUID().toString();
        echoItem(orphan, echoTime);

        assertEquals(0, migrate("--table", table));
        assertEquals(echoTime, records.find(echoed, Deadline.none()).orElseThrow().echoedAt());
        assertEquals(Map.of(echoed, new MessageRecords.EchoTarget(MessageStatus.SENT, true)),
                records.echoTargets(page, List.of(echoed), Deadline.none()), "a redelivered echo finds it recorded");
        assertTrue(item(echoed + "#echo").isEmpty(), "the echo item is deleted");
        assertTrue(item(orphan + "#echo").isEmpty(), "an echo item whose message expired too");
        assertTrue(records.find(orphan, Deadline.none()).isEmpty(), "no message made up");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("echo item=2"), out.toString());
    }

    @Test
    void badUsageExitsTwoAndWritesNothing() {
        assertEquals(2, migrate());
        assertEquals(2, migrate("--table"));
        assertEquals(2, migrate("--table", table, "--force"));
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("migrated"));
    }

    private int migrate(String... args) {
        PrintStream stream = new PrintStream(out, true, StandardCharsets.UTF_8);
        return new MigrateRecordsCommand(aws.dynamoDb(), stream, stream).run(args);
    }

    /** A message as the first version left it in by_recipient: under page#psid, sent_at the worker's clock at Graph's reply. */
    private String legacyMessage(String psid, String status, Instant repliedAt) {
        String id = UUID.randomUUID().toString();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("message_id", AttributeValue.fromS(id));
        item.put("page_id", AttributeValue.fromS(page));
        item.put("recipient_type", AttributeValue.fromS("id"));
        item.put("recipient_value", AttributeValue.fromS(psid));
        item.put("template_type", AttributeValue.fromS("text"));
        item.put("status", AttributeValue.fromS(status));
        item.put("attempts", AttributeValue.fromN("1"));
        item.put("created_at", AttributeValue.fromS(repliedAt.minusSeconds(1).toString()));
        item.put("updated_at", AttributeValue.fromS(repliedAt.toString()));
        item.put("warnings", AttributeValue.fromL(List.of()));
        item.put("facebook_message_id", AttributeValue.fromS("m_legacy-" + id));
        item.put("psid", AttributeValue.fromS(psid));
        item.put("sent_at", AttributeValue.fromN(Long.toString(repliedAt.toEpochMilli())));
        item.put("recipient_psid_key", AttributeValue.fromS(page + "#" + psid));
        aws.dynamoDb().putItem(r -> r.tableName(table).item(item));
        return id;
    }

    /** The first layout's echo of a message: its own item, no status. */
    private void echoItem(String messageId, Instant echoedAt) {
        aws.dynamoDb().putItem(r -> r.tableName(table).item(Map.of(
                "message_id", AttributeValue.fromS(messageId + "#echo"), "page_id", AttributeValue.fromS(page),
                "echoed_at", AttributeValue.fromS(echoedAt.toString()))));
    }

    private void put(String messageId, String attribute, AttributeValue value) {
        Map<String, AttributeValue> item = new HashMap<>(item(messageId));
        item.put(attribute, value);
        aws.dynamoDb().putItem(r -> r.tableName(table).item(item));
    }

    private Map<String, AttributeValue> item(String messageId) {
        return aws.dynamoDb().getItem(r -> r.tableName(table)
                .key(Map.of("message_id", AttributeValue.fromS(messageId))).consistentRead(true)).item();
    }
}
