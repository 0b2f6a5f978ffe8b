package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecords.Claim;
import ai.joinchat.push.store.MessageRecords.Decision;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DynamoMessageRecords} on DynamoDB Local with the template's Messages table: every
 * transition's write and refusal, writes repeated after a lost reply (the SDK sending the same
 * request again), and receipts that find and move only what is new.
 */
@ExtendWith(LocalAwsExtension.class)
class DynamoMessageRecordsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final DeliveryError TRANSIENT = new DeliveryError("graph_unavailable", null, "503", true);

    private final LocalAws aws;
    private final AtomicInteger updates = new AtomicInteger();
    /** The write units DynamoDB bills for the puts and updates, indexes included. */
    private final DoubleAdder writeUnits = new DoubleAdder();
    /** When set, the next UpdateItem is sent twice and answered as the second (a lost reply retried). */
    private final AtomicBoolean loseNextReply = new AtomicBoolean();
    private DynamoMessageRecords records;
    private String page;

    DynamoMessageRecordsTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeEach
    void setUp() {
        DynamoDbClient real = aws.dynamoDb();
        DynamoDbClient client = (DynamoDbClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{DynamoDbClient.class}, (proxy, method, args) -> {
                    try {
                        if (method.getName().equals("updateItem") && args[0] instanceof UpdateItemRequest update) {
                            updates.incrementAndGet();
                            if (loseNextReply.getAndSet(false)) {
                                method.invoke(real, args);
                            }
                            UpdateItemResponse response = real.updateItem(update.toBuilder()
                                    .returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build());
                            writeUnits.add(response.consumedCapacity().capacityUnits());
                            return response;
                        }
                        if (method.getName().equals("putItem") && args[0] instanceof Consumer<?> put) {
                            PutItemRequest.Builder request = PutItemRequest.builder();
                            @SuppressWarnings("unchecked")
                            Consumer<PutItemRequest.Builder> fill = (Consumer<PutItemRequest.Builder>) put;
                            fill.accept(request);
                            PutItemResponse response = real.putItem(request
                                    .returnConsumedCapacity(ReturnConsumedCapacity.INDEXES).build());
                            writeUnits.add(response.consumedCapacity().capacityUnits());
                            return response;
                        }
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        records = new DynamoMessageRecords(client, aws.tableName("MessagesTable"), Duration.ofDays(30));
        page = "9" + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L);
    }

    private String pending() {
        String id = UUID.randomUUID().toString();
        records.createPending(MessageRecord.pending(id, page, new Recipient(RecipientType.ID, "777"), "text",
                List.of("w"), NOW, NOW.plusSeconds(10)), Deadline.none());
        return id;
    }

    private String queued() {
        String id = pending();
        assertEquals(Decision.COMMITTED, records.commit(id, Deadline.none()));
        return id;
    }

    private String sending() {
        String id = queued();
        assertEquals(new Claim.Claimed(1, false), claim(id, NOW));
        return id;
    }

    private String sent(String psid, Instant facebookTime) {
        String id = sending();
        records.run(Transition.MARK_SENT, id, Inputs.at(NOW).withPage(page).withSent("m_" + id, psid, facebookTime),
                Deadline.none());
        return id;
    }

    private MessageRecords.Echo echo(String pageId, String id, String mid, String psid, Instant at) {
        return new MessageRecords.Echo(pageId, id, at.toEpochMilli(), psid, mid, "app");
    }

    private Claim claim(String id, Instant at) {
        return records.claim(id, at, LEASE, null, Deadline.none());
    }

    private MessageRecord record(String id) {
        return records.find(id, Deadline.none()).orElseThrow();
    }

    private Map<String, AttributeValue> item(String id) {
        return aws.dynamoDb().getItem(r -> r.tableName(aws.tableName("MessagesTable")).key(MessageItem.key(id))
                .consistentRead(true)).item();
    }

    @Test
    void createPendingRepeatedKeepsTheFirstRecord() {
        String id = pending();
        records.createPending(MessageRecord.pending(id, "other", new Recipient(RecipientType.ID, "1"), "button",
                List.of(), NOW.plusSeconds(5), NOW.plusSeconds(15)), Deadline.none());
        MessageRecord record = record(id);
        assertEquals(page, record.pageId());
        assertEquals(MessageStatus.PENDING, record.status());
        assertEquals(List.of("w"), record.warnings());
        assertEquals(NOW.plusSeconds(10), record.decideBy());
    }

    @Test
    void commitMovesPendingToQueuedAndAnswersHowARefusedOneStands() {
        String id = pending();
        assertEquals(Decision.COMMITTED, records.commit(id, Deadline.none()));
        assertEquals(MessageStatus.QUEUED, record(id).status());
        assertNull(record(id).decideBy());
        assertEquals(Decision.COMMITTED, records.commit(id, Deadline.none()), "committed already");
        assertEquals(Decision.REJECTED, records.commit(UUID.randomUUID().toString(), Deadline.none()), "no record");
        String rejected = pending();
        records.reject(rejected, page, NOW, Deadline.none());
        assertEquals(Decision.REJECTED, records.commit(rejected, Deadline.none()));
    }

    @Test
    void commitWhoseReplyWasLostIsAnsweredCommittedByItsRetry() {
        String id = pending();
        loseNextReply.set(true);
        assertEquals(Decision.COMMITTED, records.commit(id, Deadline.none()));
        assertEquals(MessageStatus.QUEUED, record(id).status());
    }

    @Test
    void rejectLeavesATombstoneOrRejectsPendingButNeverACommittedRecord() {
        String absent = UUID.randomUUID().toString();
        assertEquals(Decision.REJECTED, records.reject(absent, page, NOW, Deadline.none()));
        assertEquals(MessageStatus.REJECTED, record(absent).status());
        assertEquals(page, record(absent).pageId());
        assertTrue(item(absent).containsKey(MessageItem.EXPIRES_AT));
        String id = pending();
        loseNextReply.set(true);
        assertEquals(Decision.REJECTED, records.reject(id, page, NOW, Deadline.none()), "repeated after a lost reply");
        assertEquals(Decision.COMMITTED, records.reject(queued(), page, NOW, Deadline.none()));
        assertEquals(Claim.Dropped.class, claim(id, NOW).getClass());
    }

    @Test
    void claimTakesQueuedOrPendingAndAnExpiredLeaseOnly() {
        String id = queued();
        assertEquals(new Claim.Claimed(1, false), claim(id, NOW));
        assertEquals(new Claim.Busy(NOW.plus(LEASE)), claim(id, NOW.plusSeconds(1)));
        assertEquals(new Claim.Claimed(2, true), claim(id, NOW.plus(LEASE).plusMillis(1)), "the lease ran out");
        assertEquals(new Claim.Claimed(1, false), claim(pending(), NOW), "SQS holds it: the worker may send it");
        records.run(Transition.MARK_SENT, id, Inputs.at(NOW).withPage(page).withSent("m1", "p1", NOW), Deadline.none());
        assertEquals(new Claim.Settled(MessageStatus.SENT), claim(id, NOW.plusSeconds(99)));
    }

    @Test
    void claimOfNoRecordWaitsUntilTheDecisionTimeThenDrops() {
        String absent = UUID.randomUUID().toString();
        assertEquals(new Claim.Undecided(NOW.plusSeconds(5)),
                records.claim(absent, NOW, LEASE, NOW.plusSeconds(5), Deadline.none()));
        assertEquals(Claim.Dropped.class, records.claim(absent, NOW.plusSeconds(6), LEASE, NOW.plusSeconds(5),
                Deadline.none()).getClass());
    }

    @Test
    void claimWhoseReplyWasLostIsKnownAsItsOwnByItsRetry() {
        String id = queued();
        loseNextReply.set(true);
        assertEquals(new Claim.Claimed(1, false), claim(id, NOW));
        assertEquals(1, record(id).attempts());
    }

    @Test
    void markSentRecordsFacebooksIdAndTheRecipientPartitionFromSendingQueuedOrFailed() {
        String id = sent("p1", NOW.minusSeconds(1));
        MessageRecord record = record(id);
        assertEquals(MessageStatus.SENT, record.status());
        assertEquals("m_" + id, record.facebookMessageId());
        assertEquals("p1", record.psid());
        Map<String, AttributeValue> item = item(id);
        assertEquals(page + "#p1#d", item.get(MessageItem.RECIPIENT_KEY).s());
        assertEquals(Long.toString(NOW.minusSeconds(1).toEpochMilli()), item.get(MessageItem.SENT_AT).n());
        assertFalse(item.containsKey(MessageItem.LEASE_UNTIL));
        String failed = sending();
        records.run(Transition.MARK_FAILED, failed, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        records.run(Transition.MARK_SENT, failed, Inputs.at(NOW).withPage(page).withSent("m2", null, NOW),
                Deadline.none());
        assertEquals(MessageStatus.SENT, record(failed).status(), "Facebook took it whatever an attempt concluded");
        assertNull(record(failed).error());
        assertFalse(item(failed).containsKey(MessageItem.RECIPIENT_KEY), "no PSID: no partition");
    }

    @Test
    void markSentIsRefusedOnceDelivered() {
        String id = sent("p1", NOW);
        assertEquals(1, records.markDeliveryReceipt(page, "p1", List.of("m_" + id), null, NOW, Deadline.none()));
        records.run(Transition.MARK_SENT, id, Inputs.at(NOW).withPage(page).withSent("m_other", "p2", NOW),
                Deadline.none());
        assertEquals(MessageStatus.DELIVERED, record(id).status());
        assertEquals("m_" + id, record(id).facebookMessageId());
    }

    @Test
    void markRetryingPutsASendingMessageBackOnlyFromSending() {
        String id = sending();
        records.run(Transition.MARK_RETRYING, id, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.QUEUED, record(id).status());
        assertEquals(TRANSIENT, record(id).error());
        assertEquals(new Claim.Claimed(2, false), claim(id, NOW));
        String sent = sent("p1", NOW);
        records.run(Transition.MARK_RETRYING, sent, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.SENT, record(sent).status());
    }

    @Test
    void markUnknownKeepsItSendingWithItsLeaseReleased() {
        String id = sending();
        records.run(Transition.MARK_UNKNOWN, id, Inputs.at(NOW.plusSeconds(1)).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.SENDING, record(id).status());
        assertEquals(TRANSIENT, record(id).error());
        assertEquals(new Claim.Claimed(2, true), claim(id, NOW.plusSeconds(2)), "the next attempt knows");
        String queued = queued();
        records.run(Transition.MARK_UNKNOWN, queued, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.QUEUED, record(queued).status());
        assertNull(record(queued).error());
    }

    @Test
    void markFailedSettlesAnUnsentMessageButNeverASentOne() {
        String id = queued();
        records.run(Transition.MARK_FAILED, id, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.FAILED, record(id).status());
        assertEquals(new Claim.Settled(MessageStatus.FAILED), claim(id, NOW));
        String sent = sent("p1", NOW);
        records.run(Transition.MARK_FAILED, sent, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.SENT, record(sent).status());
    }

    @Test
    void failUnclaimedFailsOnlyAPendingRecord() {
        String id = pending();
        records.run(Transition.FAIL_UNCLAIMED, id, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.FAILED, record(id).status());
        assertNull(record(id).decideBy());
        String queued = queued();
        records.run(Transition.FAIL_UNCLAIMED, queued, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.QUEUED, record(queued).status());
    }

    @Test
    void confirmByEchoSendsAnUnsentMessageOfThisPageOnly() {
        String id = sending();
        assertFalse(records.confirmByEcho(echo("other-page", id, "m_e", "p1", NOW), Deadline.none()));
        assertTrue(records.confirmByEcho(echo(page, id, "m_e", "p1", NOW), Deadline.none()));
        assertEquals(MessageStatus.SENT, record(id).status());
        assertEquals("m_e", record(id).facebookMessageId());
        assertEquals(page + "#p1#d", item(id).get(MessageItem.RECIPIENT_KEY).s());
        assertFalse(records.confirmByEcho(echo(page, id, "m_e", "p1", NOW), Deadline.none()), "sent already");
        assertFalse(records.confirmByEcho(echo(page, UUID.randomUUID().toString(), "m_x", "p1", NOW), Deadline.none()),
                "no record");
    }

    @Test
    void stampByEchoMovesTheSortKeyWhileTheMessageAwaitsAReceipt() {
        String id = sent("p1", NOW);
        assertTrue(records.stampByEcho(echo(page, id, "m_" + id, "p1", NOW.minusMillis(400)), Deadline.none()));
        assertEquals(Long.toString(NOW.minusMillis(400).toEpochMilli()), item(id).get(MessageItem.SENT_AT).n());
        assertFalse(records.stampByEcho(echo("other-page", id, "m_" + id, "p1", NOW), Deadline.none()));
        assertEquals(1, records.markReadUpTo(page, "p1", NOW.toEpochMilli(), NOW, Deadline.none()));
        assertFalse(records.stampByEcho(echo(page, id, "m_" + id, "p1", NOW), Deadline.none()), "read: out of the index");
    }

    @Test
    void theEchoIsRecordedOnceOnItsMessageWithoutItsText() {
        String id = sent("p1", NOW);
        MessageRecords.Echo echo = echo(page, id, "m_" + id, "p1", NOW);
        assertEquals(Map.of(id, new MessageRecords.EchoTarget(MessageStatus.SENT, false)),
                records.echoTargets(page, List.of(id, UUID.randomUUID().toString()), Deadline.none()));
        assertTrue(records.stampByEcho(echo, Deadline.none()));
        assertFalse(records.stampByEcho(echo, Deadline.none()), "a redelivery");
        assertEquals(NOW, records.find(id, Deadline.none()).orElseThrow().echoedAt());
        assertEquals(NOW, record(id).echoedAt(), "on the message item itself");
        assertEquals(Map.of(id, new MessageRecords.EchoTarget(MessageStatus.SENT, true)),
                records.echoTargets(page, List.of(id), Deadline.none()));
        assertEquals("app", item(id).get(MessageItem.ECHO_APP_ID).s());
        assertTrue(item(id + "#echo").isEmpty(), "no item next to it");
    }

    @Test
    void aWatermarkBeforeTheEchosTimestampLeavesTheMessageThoughItsSortKeyIsEarlier() {
        String toDeliver = sent("p1", NOW);
        String toRead = sent("p2", NOW);
        assertTrue(records.stampByEcho(echo(page, toDeliver, "m_" + toDeliver, "p1", NOW.plusMillis(150)), Deadline.none()));
        assertTrue(records.stampByEcho(echo(page, toRead, "m_" + toRead, "p2", NOW.plusMillis(150)), Deadline.none()));
        assertEquals(Long.toString(NOW.toEpochMilli()), item(toDeliver).get(MessageItem.SENT_AT).n(), "the sort key stays");
        long before = NOW.plusMillis(149).toEpochMilli();
        assertEquals(0, records.markDeliveryReceipt(page, "p1", List.of(), before, NOW, Deadline.none()));
        assertEquals(0, records.markReadUpTo(page, "p2", before, NOW, Deadline.none()));
        assertEquals(MessageStatus.SENT, record(toDeliver).status());
        assertEquals(MessageStatus.SENT, record(toRead).status());
        long at = NOW.plusMillis(150).toEpochMilli();
        assertEquals(1, records.markDeliveryReceipt(page, "p1", List.of("m_" + toDeliver), before, NOW, Deadline.none()),
                "its mid moves it, though the watermark found it first");
        assertEquals(1, records.markReadUpTo(page, "p2", at, NOW, Deadline.none()));
        assertEquals(MessageStatus.DELIVERED, record(toDeliver).status());
        assertEquals(MessageStatus.READ, record(toRead).status());
    }

    @Test
    void aMessagesLifecycleCostsTenBilledWriteUnitsAfterItsPendingRecord() {
        String id = UUID.randomUUID().toString();
        List<Double> steps = new java.util.ArrayList<>();
        Runnable step = () -> steps.add(writeUnits.sumThenReset());
        writeUnits.reset();
        records.createPending(MessageRecord.pending(id, page, new Recipient(RecipientType.ID, "777"), "text",
                List.of(), NOW, NOW.plusSeconds(10)), Deadline.none());
        step.run();
        claim(id, NOW);
        step.run();
        records.run(Transition.MARK_SENT, id, Inputs.at(NOW).withPage(page).withSent("m_" + id, "p9", NOW),
                Deadline.none());
        step.run();
        records.stampByEcho(echo(page, id, "m_" + id, "p9", NOW.plusMillis(150)), Deadline.none());
        step.run();
        records.markDeliveryReceipt(page, "p9", List.of(), NOW.plusMillis(150).toEpochMilli(), NOW, Deadline.none());
        step.run();
        records.markReadUpTo(page, "p9", NOW.plusMillis(150).toEpochMilli(), NOW, Deadline.none());
        step.run();
        assertEquals(MessageStatus.READ, record(id).status());
        // send, claim, sent (+ by_facebook_message_id, + by_recipient #d), echo, delivered (#d -> #r), read (out).
        assertEquals(List.of(1.0, 1.0, 3.0, 1.0, 3.0, 2.0), steps, "billed write units per step, indexes included");
    }

    @Test
    void deliveryReceiptsMoveOnlyWhatIsNewAndARedeliveryWritesNothing() {
        String early = sent("p1", NOW.minusSeconds(2));
        String late = sent("p1", NOW.plusSeconds(2));
        String byMid = sent("p1", NOW.plusSeconds(3));
        updates.set(0);
        assertEquals(1, records.markDeliveryReceipt(page, "p1", List.of(), NOW.toEpochMilli(), NOW, Deadline.none()));
        assertEquals(1, updates.get(), "one update: the message the watermark newly reaches");
        assertEquals(MessageStatus.DELIVERED, record(early).status());
        assertEquals(page + "#p1#r", item(early).get(MessageItem.RECIPIENT_KEY).s());
        assertEquals(MessageStatus.SENT, record(late).status());
        assertEquals(0, records.markDeliveryReceipt(page, "p1", List.of(), NOW.toEpochMilli(), NOW, Deadline.none()));
        assertEquals(1, records.markDeliveryReceipt(page, "p1", List.of("m_" + byMid), null, NOW, Deadline.none()));
        assertEquals(0, records.markDeliveryReceipt(page, "p1", List.of("m_" + byMid, "m_unknown"), null, NOW, Deadline.none()));
        assertEquals(2, updates.get(), "redeliveries and other apps' ids write nothing");
        assertEquals(0, records.markDeliveryReceipt(page, "p2", List.of("m_" + late), null, NOW, Deadline.none()), "another PSID's");
        assertEquals(MessageStatus.SENT, record(late).status());
    }

    @Test
    void readReceiptsMoveSentAndDeliveredMessagesOutOfTheIndex() {
        String delivered = sent("p1", NOW.minusSeconds(2));
        records.markDeliveryReceipt(page, "p1", List.of(), NOW.minusSeconds(2).toEpochMilli(), NOW, Deadline.none());
        String sent = sent("p1", NOW.minusSeconds(1));
        String unread = sent("p1", NOW.plusSeconds(1));
        assertEquals(2, records.markReadUpTo(page, "p1", NOW.toEpochMilli(), NOW, Deadline.none()));
        assertEquals(MessageStatus.READ, record(delivered).status());
        assertEquals(MessageStatus.READ, record(sent).status());
        assertFalse(item(sent).containsKey(MessageItem.RECIPIENT_KEY));
        assertEquals(MessageStatus.SENT, record(unread).status());
        updates.set(0);
        assertEquals(0, records.markReadUpTo(page, "p1", NOW.toEpochMilli(), NOW, Deadline.none()));
        assertEquals(0, updates.get());
    }

    /** DynamoDB refuses a value an expression does not use: each request names exactly what it uses. */
    @Test
    void everyTransitionsRequestNamesExactlyTheValuesItUses() {
        Inputs all = Inputs.at(NOW).withPage(page).withSent("m", "p", NOW).withError(TRANSIENT)
                .withClaim(NOW, "token").withExpiry(NOW);
        Pattern placeholder = Pattern.compile(":[A-Za-z0-9_]+");
        for (Transition transition : Transition.values()) {
            UpdateItemRequest request = TransitionUpdate.request("t", transition, "id", all);
            Matcher used = placeholder.matcher(request.updateExpression() + " " + request.conditionExpression());
            java.util.Set<String> names = new java.util.HashSet<>();
            while (used.find()) {
                names.add(used.group());
            }
            assertEquals(names, request.expressionAttributeValues().keySet(), transition.name());
        }
    }

    @Test
    void aFailedMessageWithItsCopyIsResentOnceAndOnlyByItsPage() {
        String id = sending();
        records.run(Transition.MARK_FAILED_RESENDABLE, id,
                Inputs.at(NOW).withError(TRANSIENT).withResendBody("{\"copy\":1}"), Deadline.none());
        assertTrue(record(id).resendable());
        assertTrue(records.resend(id, "another-page", NOW, NOW.plusSeconds(12), Deadline.none()).isEmpty());

        // The SDK's retry of a resend whose reply was lost knows the write as its own; a second resend
        // is refused until the message fails again.
        loseNextReply.set(true);
        assertTrue(records.resend(id, page, NOW, NOW.plusSeconds(12), Deadline.none()).isPresent());
        assertEquals(MessageStatus.PENDING, record(id).status());
        assertTrue(records.resend(id, page, NOW, NOW.plusSeconds(12), Deadline.none()).isEmpty());
    }

    @Test
    void aResendReturnsTheCopyAndTheErrorAndASendForgetsTheCopy() {
        String id = sending();
        records.run(Transition.MARK_FAILED_RESENDABLE, id,
                Inputs.at(NOW).withError(TRANSIENT).withResendBody("{\"copy\":1}"), Deadline.none());
        MessageRecords.Resend resend = records.resend(id, page, NOW, NOW.plusSeconds(12), Deadline.none()).orElseThrow();
        assertEquals("{\"copy\":1}", resend.queuedCopy());
        assertEquals(TRANSIENT, resend.error());
        MessageRecord pending = record(id);
        assertEquals(MessageStatus.PENDING, pending.status());
        assertEquals(NOW.plusSeconds(12), pending.decideBy());

        // A stale dead letter of the failed attempt does not fail the resend in flight.
        records.run(Transition.MARK_FAILED, id, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(MessageStatus.PENDING, record(id).status());

        assertEquals(new Claim.Claimed(2, false), claim(id, NOW));
        records.run(Transition.MARK_SENT, id, Inputs.at(NOW).withPage(page).withSent("m_" + id, "777", NOW),
                Deadline.none());
        assertFalse(record(id).resendable());
        assertFalse(aws.dynamoDb().getItem(r -> r.tableName(aws.tableName("MessagesTable"))
                .key(MessageItem.key(id))).item().containsKey(MessageItem.RESEND_BODY));
    }

    @Test
    void aMessageWhoseAttemptHadAnUnknownOutcomeIsNeverResendable() {
        String afterCrash = sending();
        assertEquals(new Claim.Claimed(2, true), claim(afterCrash, NOW.plus(LEASE).plusSeconds(1)));
        records.run(Transition.FLAG_UNCONFIRMED, afterCrash, Inputs.at(NOW), Deadline.none());
        records.run(Transition.MARK_FAILED_RESENDABLE, afterCrash,
                Inputs.at(NOW).withError(TRANSIENT).withResendBody("{}"), Deadline.none());
        assertFalse(record(afterCrash).resendable());
        assertTrue(records.resend(afterCrash, page, NOW, NOW.plusSeconds(12), Deadline.none()).isEmpty());

        String unknown = sending();
        records.run(Transition.MARK_UNKNOWN, unknown, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertEquals(new Claim.Claimed(2, true), claim(unknown, NOW.plusSeconds(1)));
        records.run(Transition.MARK_FAILED_RESENDABLE, unknown,
                Inputs.at(NOW).withError(TRANSIENT).withResendBody("{}"), Deadline.none());
        assertFalse(record(unknown).resendable());

        String plain = sending();
        records.run(Transition.MARK_FAILED, plain, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertFalse(record(plain).resendable(), "failed without its copy");
        assertEquals(MessageStatus.FAILED, record(plain).status());
    }

    @Test
    void aRefusedLastAttemptKeepsItsCopyOnlyWhenTheDeadLetterHandsItBack() {
        String id = sending();
        records.run(Transition.MARK_FAILED_REFUSED, id, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        assertFalse(record(id).resendable(), "a copy is still on its way to the dead-letter queue");
        assertTrue(records.resend(id, page, NOW, NOW.plusSeconds(12), Deadline.none()).isEmpty());
        records.run(Transition.KEEP_COPY, id, Inputs.at(NOW).withResendBody("{\"copy\":2}"), Deadline.none());
        assertTrue(record(id).resendable());
        assertEquals("{\"copy\":2}", records.resend(id, page, NOW, NOW.plusSeconds(12), Deadline.none())
                .orElseThrow().queuedCopy());

        // The resent attempt fails for good: the copy goes, so the record no longer says resendable.
        assertEquals(new Claim.Claimed(2, false), claim(id, NOW));
        records.run(Transition.MARK_FAILED, id, Inputs.at(NOW).withError(new DeliveryError("100", 2018001,
                "No matching user found", false)), Deadline.none());
        assertEquals(MessageStatus.FAILED, record(id).status());
        assertFalse(record(id).resendable());

        String plain = sending();
        records.run(Transition.MARK_FAILED, plain, Inputs.at(NOW).withError(TRANSIENT), Deadline.none());
        records.run(Transition.KEEP_COPY, plain, Inputs.at(NOW).withResendBody("{}"), Deadline.none());
        assertFalse(record(plain).resendable(), "only a refused last attempt keeps its dead letter's copy");
    }
}
