package ai.joinchat.push.local.guarantee;

import ai.joinchat.push.local.aws.faults.FaultProxy;
import ai.joinchat.push.local.aws.faults.FaultProxy.Fault;
import ai.joinchat.push.local.guarantee.FakeMessenger.Behaviour;
import ai.joinchat.push.local.guarantee.GuaranteeRig.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract's delivery guarantee, proven by faults: at every step of the send path and of the
 * worker path, an exception, a lost reply (the backend did it, the caller never heard) or a
 * killed invocation; then redelivery runs to quiescence and the invariants are checked.
 * <ul>
 *   <li>202 ⟹ Facebook took the message exactly once (and its record says {@code sent});</li>
 *   <li>503 or 4xx ⟹ Facebook never took it;</li>
 *   <li>no answer (or 500, outcome unknown), then a retry with the same Idempotency-Key ⟹ exactly once;
 *       without a key ⟹ at most once;</li>
 *   <li>after quiescence no record is left {@code queued} or {@code sending}.</li>
 * </ul>
 */
class DeliveryGuaranteeTest {

    private static final Duration SEND_INVOCATION = Duration.ofSeconds(4);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private static GuaranteeRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = new GuaranteeRig(Duration.ofSeconds(2));
        rig.sendDynamo.killsWith(rig.sendSqs);
        rig.sendSqs.killsWith(rig.sendDynamo);
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @AfterEach
    void clearFaults() {
        rig.sendDynamo.clear();
        rig.sendSqs.clear();
        rig.workerDynamo.clear();
        rig.messenger.plan((id, call) -> Behaviour.OK);
        rig.sendClock.shift = Duration.ZERO;
    }

    // ---- the send path --------------------------------------------------------------------------

    enum SendStep {
        /** The pending record (with its key, in one transaction). */
        CREATE,
        /** SQS SendMessage. */
        ENQUEUE,
        /** pending → queued (only with a key: without one, the answer needs no commit). */
        COMMIT
    }

    static Stream<Arguments> sendFaults() {
        List<Arguments> cases = new ArrayList<>();
        for (SendStep step : SendStep.values()) {
            for (Fault fault : List.of(Fault.ERROR, Fault.LOST_REPLY, Fault.KILL)) {
                cases.add(Arguments.of(step, fault, true));
                if (step != SendStep.COMMIT) {
                    cases.add(Arguments.of(step, fault, false));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} idempotency key: {2}")
    @MethodSource("sendFaults")
    void sendPathFaultKeepsTheAnswerTrue(SendStep step, Fault fault, boolean withKey) {
        String text = "send " + step + " " + fault + " " + withKey + " " + UUID.randomUUID();
        String body = GuaranteeRig.textBody(text);
        String key = withKey ? UUID.randomUUID().toString() : null;
        switch (step) {
            case CREATE -> rig.sendDynamo.fail(withKey ? "TransactWriteItems" : "PutItem", null, fault);
            case ENQUEUE -> rig.sendSqs.fail("SendMessage", null, fault);
            case COMMIT -> rig.sendDynamo.fail("UpdateItem", "\":queued\"", fault);
        }

        int faultsBefore = rig.sendDynamo.faulted() + rig.sendSqs.faulted();
        Answer first = rig.send(body, key, SEND_INVOCATION);
        assertTrue(rig.sendDynamo.faulted() + rig.sendSqs.faulted() > faultsBefore, "the fault was injected");
        if (fault == Fault.KILL) {
            first = Answer.NONE; // the caller never hears from a killed invocation
        }
        assertTrue(first.status() == 0 || first.status() == 202 || first.status() == 503 || first.status() == 500,
                "only the contract's answers: " + first);
        rig.sendDynamo.clear();
        rig.sendSqs.clear();

        Answer last = first;
        boolean unknown = first.status() == 0 || first.status() == 500;
        if (unknown && withKey) {
            last = rig.send(body, key, SEND_INVOCATION);
            assertTrue(last.status() == 202 || last.status() == 503, "a retry with the key decides: " + last);
            unknown = false;
        }
        rig.settle(SETTLE);

        int taken = rig.messenger.takenWithText(text);
        if (last.status() == 202) {
            assertEquals(1, taken, "202 means exactly one delivery: " + last);
            assertEquals(1, rig.messenger.taken(last.messageId()), "the answered message is the one delivered");
            assertEquals("sent", rig.status(last.messageId()));
        } else if (unknown) {
            assertTrue(taken <= 1, "no answer without a key: at most once, was " + taken);
        } else {
            assertEquals(0, taken, "503 means never delivered: " + last);
        }
        assertNothingLeftInFlight();
    }

    // ---- the worker path ------------------------------------------------------------------------

    enum WorkerStep {
        /** The conditional claim of the record. */
        CLAIM,
        /** The Send API call. */
        GRAPH,
        /** Recording sent. */
        MARK_SENT
    }

    static Stream<Arguments> workerFaults() {
        List<Arguments> cases = new ArrayList<>();
        for (WorkerStep step : WorkerStep.values()) {
            for (Fault fault : List.of(Fault.ERROR, Fault.LOST_REPLY, Fault.KILL, Fault.KILL_BEFORE)) {
                cases.add(Arguments.of(step, fault));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("workerFaults")
    void workerPathFaultDeliversAnAcceptedMessageExactlyOnce(WorkerStep step, Fault fault) {
        String text = "worker " + step + " " + fault + " " + UUID.randomUUID();
        Answer accepted = rig.send(GuaranteeRig.textBody(text), null, SEND_INVOCATION);
        assertEquals(202, accepted.status(), accepted.toString());
        String id = accepted.messageId();
        switch (step) {
            case CLAIM -> rig.workerDynamo.fail("UpdateItem", "\":lease_until\"", fault);
            case MARK_SENT -> rig.workerDynamo.fail("UpdateItem", "\":sent_at\"", fault);
            case GRAPH -> {
                // Facebook's side of each fault: refuses it (an error), takes it but the reply is
                // lost, or takes it and the invocation dies before it can record anything.
                Behaviour first = fault == Fault.ERROR ? Behaviour.TRANSIENT_ERROR
                        : fault == Fault.LOST_REPLY ? Behaviour.LOST_REPLY : Behaviour.OK;
                rig.messenger.plan((messageId, call) -> messageId.equals(id) && call == 1 ? first : Behaviour.OK);
                if (fault == Fault.KILL || fault == Fault.KILL_BEFORE) {
                    rig.workerDynamo.fail("UpdateItem", "\":sent_at\"", Fault.KILL_BEFORE);
                }
            }
        }

        // One receive with the fault in place, then redelivery to quiescence without it.
        int faultsBefore = rig.workerDynamo.faulted();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (rig.poller.pollOnce(Duration.ofSeconds(1)) == 0 && System.nanoTime() < end) {
            GuaranteeRig.pause(50);
        }
        assertTrue(step == WorkerStep.GRAPH ? rig.messenger.calls(id) >= 1 : rig.workerDynamo.faulted() > faultsBefore,
                "the fault was injected");
        rig.workerDynamo.clear();
        rig.messenger.plan((messageId, call) -> Behaviour.OK);
        rig.settle(SETTLE);

        assertEquals(1, rig.messenger.taken(id), "an accepted message is delivered exactly once");
        assertEquals("sent", rig.status(id));
        assertNothingLeftInFlight();
    }

    // ---- direct checks of the protocol's edges ----------------------------------------------------

    @Test
    void lostSqsReplyAnswers503WhenTheRecordIsRejectedAndNeverDelivers() {
        String text = "lost sqs reply " + UUID.randomUUID();
        rig.sendSqs.fail("SendMessage", null, Fault.LOST_REPLY);
        Answer answer = rig.send(GuaranteeRig.textBody(text), null, SEND_INVOCATION);
        rig.sendSqs.clear();
        assertEquals(503, answer.status(), answer.toString());
        assertTrue(rig.sendSqs.forwarded("SendMessage") > 0, "SQS did store the message");
        rig.settle(SETTLE);
        assertEquals(0, rig.messenger.takenWithText(text), "503 means never, even with a copy in SQS");
    }

    @Test
    void killedSendAfterEnqueueThenRetryWithTheKeyIsDeliveredExactlyOnce() {
        String text = "killed then retried " + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        rig.sendDynamo.fail("UpdateItem", "\":queued\"", Fault.KILL_BEFORE);
        rig.send(GuaranteeRig.textBody(text), key, SEND_INVOCATION); // no answer reaches the caller
        // SQS holds the copy of a pending record: the worker may already be sending it.
        rig.sendDynamo.clear();
        rig.sendSqs.clear();

        Answer retry = rig.send(GuaranteeRig.textBody(text), key, SEND_INVOCATION);
        assertEquals(202, retry.status(), retry.toString());
        Answer again = rig.send(GuaranteeRig.textBody(text), key, SEND_INVOCATION);
        assertEquals(retry.messageId(), again.messageId(), "the key answers the same message from now on");
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.takenWithText(text));
        assertEquals(1, rig.messenger.taken(retry.messageId()));
    }

    @Test
    void aMessageWhoseInvocationIsKilledOnEveryReceiveIsDeadLetteredAndRecordedFailed() {
        String text = "killed every time " + UUID.randomUUID();
        Answer accepted = rig.send(GuaranteeRig.textBody(text), null, SEND_INVOCATION);
        assertEquals(202, accepted.status(), accepted.toString());
        // Every invocation dies before it can claim anything: the queue's receive limit is reached
        // with nothing recorded, and SQS moves the message to the dead-letter queue.
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (rig.deadLetters() == 0 && System.nanoTime() < end) {
            rig.workerDynamo.fail("UpdateItem", "\":lease_until\"", Fault.KILL_BEFORE);
            rig.poller.pollOnce(Duration.ofSeconds(1));
        }
        rig.workerDynamo.clear();
        rig.settle(SETTLE);
        assertEquals("failed", rig.status(accepted.messageId()), "not left pending for ever");
        assertEquals("retries_exhausted", rig.errorCode(accepted.messageId()));
        assertEquals(0, rig.messenger.takenWithText(text));
    }

    @Test
    void lostGraphReplyIsConfirmedByTheEchoAndNeverSentAgain() {
        String text = "echo confirms " + UUID.randomUUID();
        Answer accepted = rig.send(GuaranteeRig.textBody(text), null, SEND_INVOCATION);
        String id = accepted.messageId();
        rig.messenger.plan((messageId, call) -> Behaviour.LOST_REPLY);
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.calls(id), "the echo settled it: no second Send API call");
        assertEquals("sent", rig.status(id));
    }

    @Test
    void aThrottledPageWithLostRepliesStillDeliversEachMessageExactlyOnce() {
        rig.messenger.limitRate(GuaranteeRig.PAGE_ID, 5);
        try {
            List<String> ids = new ArrayList<>();
            // Twenty users of the page: one user's messages go one at a time (in order), so only
            // many users' calls side by side reach the page's rate for certain.
            for (int i = 0; i < 20; i++) {
                Answer accepted = rig.send(GuaranteeRig.textBody("throttled, replies lost " + i + " "
                        + UUID.randomUUID(), Integer.toString(30_000_000 + i)), null, SEND_INVOCATION);
                assertEquals(202, accepted.status(), accepted.toString());
                ids.add(accepted.messageId());
            }
            // Every call Facebook takes loses its reply: only the echo tells the worker it was taken.
            rig.messenger.plan((messageId, call) -> Behaviour.LOST_REPLY);
            int throttledBefore = rig.messenger.throttled();
            rig.settle(SETTLE);
            assertTrue(rig.messenger.throttled() > throttledBefore, "the page was throttled");
            for (String id : ids) {
                assertEquals(1, rig.messenger.taken(id), "taken exactly once: " + id);
                assertEquals("sent", rig.status(id), id);
            }
            assertEquals(0, rig.deadLetters());
        } finally {
            rig.messenger.limitRate(GuaranteeRig.PAGE_ID, 0);
        }
    }

    @Test
    void aDuplicatedSqsDeliveryOfAnAcceptedMessageIsSentOnce() {
        String text = "duplicate " + UUID.randomUUID();
        Answer accepted = rig.send(GuaranteeRig.textBody(text), null, SEND_INVOCATION);
        assertNotNull(accepted.messageId());
        // At-least-once: SQS hands the same body out twice.
        var message = rig.aws.receiveAll("MessageQueue", 10).stream()
                .filter(m -> m.body().contains(accepted.messageId())).findFirst().orElseThrow();
        rig.aws.sqs().sendMessage(r -> r.queueUrl(rig.aws.queueUrl("MessageQueue")).messageBody(message.body()));
        rig.aws.sqs().changeMessageVisibility(r -> r.queueUrl(rig.aws.queueUrl("MessageQueue"))
                .receiptHandle(message.receiptHandle()).visibilityTimeout(0));
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.taken(accepted.messageId()));
    }

    // ---- the commit protocol's seams: a key held by an earlier message ----------------------------

    @Test
    void keyedRetryWhileReadsHangAnswers202Or500NeverA503() {
        String text = "reads hang " + UUID.randomUUID();
        String body = GuaranteeRig.textBody(text);
        String key = UUID.randomUUID().toString();
        Answer first = rig.send(body, key, SEND_INVOCATION);
        assertEquals(202, first.status(), first.toString());
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.taken(first.messageId()));

        // DynamoDB takes writes but its reads stall: the retry cannot read the message its key names.
        rig.sendDynamo.hang(FaultProxy.DYNAMODB_READS);
        Answer retry = rig.send(body, key, SEND_INVOCATION);
        assertTrue(rig.sendDynamo.faulted() > 0, "a read was held");
        rig.sendDynamo.clear();
        assertHeldKeyAnswer(first, retry);

        Answer again = rig.send(body, key, SEND_INVOCATION);
        assertEquals(202, again.status(), again.toString());
        assertEquals(first.messageId(), again.messageId(), "the key answers the first message");
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.takenWithText(text), "delivered exactly once");
    }

    @Test
    void keyedRetryMeetingATransactionConflictAnswers202Or500NeverA503() {
        String text = "transaction conflict " + UUID.randomUUID();
        String body = GuaranteeRig.textBody(text);
        String key = UUID.randomUUID().toString();
        Answer first = rig.send(body, key, SEND_INVOCATION);
        assertEquals(202, first.status(), first.toString());

        // Another request with the same key is writing it: DynamoDB cancels this transaction.
        rig.sendDynamo.answer("TransactWriteItems", 400, "application/x-amz-json-1.0",
                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                        + "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons"
                        + " [None, TransactionConflict]\",\"CancellationReasons\":[{\"Code\":\"None\"},"
                        + "{\"Code\":\"TransactionConflict\",\"Message\":\"Transaction is ongoing for the item\"}]}");
        Answer retry = rig.send(body, key, SEND_INVOCATION);
        assertTrue(rig.sendDynamo.faulted() > 0, "the conflict was answered");
        rig.sendDynamo.clear();
        assertHeldKeyAnswer(first, retry);

        Answer again = rig.send(body, key, SEND_INVOCATION);
        assertEquals(first.messageId(), again.messageId(), again.toString());
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.takenWithText(text), "delivered exactly once");
    }

    @Test
    void concurrentRequestsWithOneKeyNeverAnswer503WhileTheOtherIsOwed() throws Exception {
        String text = "concurrent key " + UUID.randomUUID();
        String body = GuaranteeRig.textBody(text);
        String key = UUID.randomUUID().toString();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                answers.add(pool.submit(() -> rig.send(body, key, SEND_INVOCATION)));
            }
            List<Answer> all = new ArrayList<>();
            for (var answer : answers) {
                all.add(answer.get());
            }
            String owed = null;
            for (Answer answer : all) {
                assertTrue(answer.status() == 202 || answer.status() == 500, "never 503 while another may be owed: " + all);
                if (answer.status() == 202) {
                    assertTrue(owed == null || owed.equals(answer.messageId()), "one message for one key: " + all);
                    owed = answer.messageId();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Answer settled = rig.send(body, key, SEND_INVOCATION);
        assertEquals(202, settled.status(), settled.toString());
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.takenWithText(text), "delivered exactly once");
        assertEquals(1, rig.messenger.taken(settled.messageId()));
    }

    private static void assertHeldKeyAnswer(Answer first, Answer retry) {
        assertTrue(retry.status() == 202 || retry.status() == 500,
                "a key held by a message that is owed a delivery is never answered 503: " + retry);
        if (retry.status() == 202) {
            assertEquals(first.messageId(), retry.messageId(), "the retry answers the first message");
        } else {
            assertEquals("internal_error", retry.body().path("error").path("code").asText(), retry.toString());
        }
    }

    // ---- the commit protocol's seams: a replay key ------------------------------------------------

    @Test
    void replayOfARequestAnswered503ByALostSqsReplyAnswers503AndIsNeverDelivered() {
        String text = "replay " + UUID.randomUUID();
        String body = GuaranteeRig.textBody(text);
        long now = System.currentTimeMillis() / 1000;
        Map<String, String> captured = GuaranteeRig.timestamped(body, now);
        rig.sendSqs.fail("SendMessage", null, Fault.LOST_REPLY);
        Answer first = rig.send(body, captured, null, SEND_INVOCATION);
        rig.sendSqs.clear();
        assertEquals(503, first.status(), first.toString());

        Answer retried = rig.send(body, GuaranteeRig.timestamped(body, now + 1), null, SEND_INVOCATION);
        assertEquals(202, retried.status(), "a fresh timestamp is a new request: " + retried);

        Answer replay = rig.send(body, captured, null, SEND_INVOCATION);
        assertEquals(503, replay.status(), "a replay answers the first response: " + replay);
        Answer replayWithAKey = rig.send(body, captured, UUID.randomUUID().toString(), SEND_INVOCATION);
        assertEquals(503, replayWithAKey.status(), "whatever Idempotency-Key a replayer adds: " + replayWithAKey);
        rig.settle(SETTLE);
        assertEquals(1, rig.messenger.takenWithText(text), "the replay never became a second message");
        assertEquals(1, rig.messenger.taken(retried.messageId()));
    }

    // ---- a request without a key whose outcome is unknown -----------------------------------------

    @Test
    void noKeyEnqueueFailureThenRejectionFailureAnswers500WithoutAKeyAndTheStatusEndsFailed() {
        String text = "no key double failure " + UUID.randomUUID();
        rig.sendSqs.fail("SendMessage", null, Fault.ERROR);
        rig.sendDynamo.fail("UpdateItem", "\":rejected\"", Fault.ERROR);
        Answer answer = rig.send(GuaranteeRig.textBody(text), null, SEND_INVOCATION);
        rig.sendSqs.clear();
        rig.sendDynamo.clear();

        assertEquals(500, answer.status(), answer.toString());
        String message = answer.body().path("error").path("message").asText();
        assertFalse(message.contains("Idempotency-Key"), "the caller sent no key: " + message);
        java.util.regex.Matcher id = java.util.regex.Pattern
                .compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").matcher(message);
        assertTrue(id.find(), "the answer names the message to look up: " + message);
        String messageId = id.group();
        assertEquals("queued", rig.messageStatus(messageId, SEND_INVOCATION).body().path("status").asText(),
                "while a worker may still take it");

        rig.settle(SETTLE);
        rig.sendClock.shift = Duration.ofDays(1); // no worker ever took it
        Answer status = rig.messageStatus(messageId, SEND_INVOCATION);
        assertEquals(200, status.status(), status.toString());
        assertEquals("failed", status.body().path("status").asText(), "never queued for ever: " + status);
        assertEquals("not_enqueued", status.body().path("error").path("code").asText(), status.toString());
        assertEquals(0, rig.messenger.takenWithText(text));
    }

    private static void assertNothingLeftInFlight() {
        Map<String, String> statuses = rig.statuses();
        List<String> inFlight = statuses.entrySet().stream()
                .filter(e -> e.getValue().equals("queued") || e.getValue().equals("sending"))
                .map(Map.Entry::getKey).toList();
        assertTrue(inFlight.isEmpty(), "records still queued or sending after quiescence: " + inFlight);
        assertFalse(rig.deadLetters() > 0, "nothing reached the dead-letter queue");
    }
}
