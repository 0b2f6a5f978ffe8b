package ai.joinchat.push.local.guarantee;

import ai.joinchat.push.local.aws.faults.FaultProxy.Fault;
import ai.joinchat.push.local.guarantee.FakeMessenger.Behaviour;
import ai.joinchat.push.local.guarantee.GuaranteeRig.Answer;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many messages through the real handlers on the local backends while Facebook fails 10% of the
 * calls, loses 5% of the replies (its echo still arrives), SQS delivers some records twice and
 * worker invocations are killed at random steps. Afterwards: nothing lost, nothing sent twice,
 * every status final. {@code -Dsoak.messages=N} runs a longer profile; the figures are printed.
 */
class DeliveryGuaranteeSoakTest {

    private static final int MESSAGES = Integer.getInteger("soak.messages", 1000);
    private static final long SEED = Long.getLong("soak.seed", 20261201L);

    @Test
    void thousandMessagesUnderFaultsAreEachDeliveredExactlyOnceOrFailedWithAReason() throws Exception {
        Random random = new Random(SEED);
        AtomicInteger kills = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        try (GuaranteeRig rig = new GuaranteeRig(Duration.ofSeconds(1))) {
            rig.messenger.plan((id, call) -> {
                double roll;
                synchronized (random) {
                    roll = random.nextDouble();
                }
                return roll < 0.10 ? Behaviour.TRANSIENT_ERROR : roll < 0.15 ? Behaviour.LOST_REPLY : Behaviour.OK;
            });
            rig.beforeWorker = event -> {
                double roll;
                synchronized (random) {
                    roll = random.nextDouble();
                }
                if (roll < 0.05) {
                    // The invocation dies at a random step: at its claims, or when it records a send.
                    kills.incrementAndGet();
                    rig.workerDynamo.fail("UpdateItem", roll < 0.025 ? "\":lease_until\"" : "\":sent_at\"",
                            roll < 0.0125 || roll > 0.0375 ? Fault.KILL : Fault.KILL_BEFORE);
                } else if (roll < 0.10) {
                    // At-least-once delivery: SQS hands a record of this batch out again later.
                    JsonNode record = event.path("Records").path(0);
                    duplicates.incrementAndGet();
                    rig.aws.sqs().sendMessage(r -> r.queueUrl(rig.aws.queueUrl("MessageQueue"))
                            .messageBody(record.path("body").asText()));
                }
            };
            rig.poller.start();

            long started = System.nanoTime();
            ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
            ExecutorService callers = Executors.newFixedThreadPool(4);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                String text = "soak " + i;
                calls.add(callers.submit(() -> {
                    Answer answer = rig.send(GuaranteeRig.textBody(text), null, Duration.ofSeconds(10));
                    assertEquals(202, answer.status(), answer.toString());
                    accepted.add(answer.messageId());
                }));
            }
            for (Future<?> call : calls) {
                call.get();
            }
            callers.shutdown();
            long sentAllMs = (System.nanoTime() - started) / 1_000_000;
            rig.poller.close();
            rig.settle(Duration.ofMinutes(3));
            long settledMs = (System.nanoTime() - started) / 1_000_000;

            Map<String, String> statuses = rig.statuses();
            int delivered = 0;
            int failed = 0;
            int twice = 0;
            int lost = 0;
            int calls2 = 0;
            for (String id : accepted) {
                int taken = rig.messenger.taken(id);
                calls2 += rig.messenger.calls(id);
                String status = statuses.get(id);
                if (taken > 1) {
                    twice++;
                } else if (taken == 1 && "sent".equals(status)) {
                    delivered++;
                } else if (taken == 0 && "failed".equals(status)) {
                    failed++;
                } else {
                    lost++;
                }
            }
            System.out.printf("soak: %d accepted in %d ms, settled after %d ms; %d delivered once, %d failed "
                            + "with a reason, %d sent twice, %d lost or not final; %d Send API calls, %d killed "
                            + "invocations, %d duplicated SQS records, %d echo redeliveries%n",
                    accepted.size(), sentAllMs, settledMs, delivered, failed, twice, lost, calls2, kills.get(),
                    duplicates.get(), rig.echoesRejected.get());
            assertEquals(MESSAGES, accepted.size());
            assertEquals(0, twice, "never sent twice");
            assertEquals(0, lost, "never lost, every status final");
            assertEquals(MESSAGES, delivered + failed);
            assertTrue(kills.get() > 0 && duplicates.get() > 0, "the faults did happen");
            long unfinished = statuses.values().stream().filter(s -> s.equals("queued") || s.equals("sending")
                    || s.equals("pending")).count();
            assertEquals(0, unfinished, "no record left queued, sending or pending");
        }
    }
}
