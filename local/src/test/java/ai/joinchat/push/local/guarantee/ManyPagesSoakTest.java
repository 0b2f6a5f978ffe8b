package ai.joinchat.push.local.guarantee;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.guarantee.FakeMessenger.Behaviour;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.FakeLambdaContext;
import ai.joinchat.push.testing.StreamHandlers;
import ai.joinchat.push.webhook.WebhookComponents;
import ai.joinchat.push.webhook.WebhookHandler;
import ai.joinchat.push.worker.WorkerComponents;
import ai.joinchat.push.worker.WorkerHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real world at once: an agency's 50 configured pages, each met first by fresh send API and
 * worker containers, 2,000 messages (a quarter of them a burst to 5 pages Facebook limits to 5
 * calls/s), Facebook losing 5% of its replies (the echo, stamped on Facebook's skewed clock, still
 * arrives), then a read receipt per conversation whose watermark is Facebook's timestamp of its
 * last message.
 * Afterwards: nothing lost, nothing sent twice, nothing failed for a configured page, every status
 * final and every receipt applied. The real handlers, on the local backends provisioned from
 * template.yaml; the worker runs as Lambda runs it, four batches at once, each in a container of
 * its own, and containers are replaced by cold ones as the run goes on.
 * {@code -Dsoak.pages.messages=N} runs a longer profile.
 */
class ManyPagesSoakTest {

    private static final int PAGES = 50;
    private static final int THROTTLED_PAGES = 5;
    /** Calls per second Facebook allows each throttled page: well below the burst they get. */
    private static final int THROTTLED_RATE = 5;
    private static final int PSIDS_PER_PAGE = 4;
    private static final int MESSAGES = Integer.getInteger("soak.pages.messages", 2000);
    private static final int SEND_CONTAINER_LIFE = 250;
    private static final int WORKER_CONTAINER_LIFE = 40;
    private static final int WORKER_CONCURRENCY = 4;
    private static final long SEED = 20261207L;

    @Test
    void fiftyPagesOnFreshContainersUnderThrottlingAndLostRepliesDeliverEachMessageOnceAndApplyEveryReceipt()
            throws Exception {
        Random random = new Random(SEED);
        try (GuaranteeRig rig = new GuaranteeRig(Duration.ofSeconds(1))) {
            List<String> pages = new ArrayList<>();
            for (int i = 0; i < PAGES; i++) {
                String page = "5200" + (1000 + i);
                rig.aws.putPageSecret(page, secret(i), "soak-token-" + i, null);
                pages.add(page);
                if (i < THROTTLED_PAGES) {
                    rig.messenger.limitRate(page, THROTTLED_RATE);
                }
            }
            Map<String, Long> facebookTimestamps = new ConcurrentHashMap<>();
            rig.messenger.onEcho(echo -> facebookTimestamps.put(echo.messageId(), echo.timestamp()));
            rig.messenger.plan((id, call) -> {
                synchronized (random) {
                    return random.nextDouble() < 0.05 ? Behaviour.LOST_REPLY : Behaviour.OK;
                }
            });

            Map<String, String> workerEnv = new HashMap<>(rig.aws.functionEnvironment("WorkerFunction"));
            workerEnv.put("GRAPH_API_BASE_URL", rig.messenger.baseUrl());
            workerEnv.put("LOG_LEVEL", "ERROR");
            AtomicInteger coldWorkers = new AtomicInteger();
            BlockingQueue<Container> idle = new LinkedBlockingQueue<>();
            for (int i = 0; i < WORKER_CONCURRENCY; i++) {
                idle.add(new Container(worker(workerEnv), coldWorkers));
            }
            long started = System.nanoTime();
            try (SqsEventSourcePoller poller = new SqsEventSourcePoller(rig.aws.sqs(), rig.aws.queueUrl("MessageQueue"),
                    rig.aws.stack().queueArn("MessageQueue"), 10,
                    event -> invokeOnContainer(idle, workerEnv, event, coldWorkers),
                    new JsonLogger("sqs-event-source", "ERROR"), Duration.ofSeconds(1), WORKER_CONCURRENCY)) {
                poller.start();
                List<Sent> accepted = sendAll(rig, pages);
                awaitDrained(rig, Duration.ofMinutes(2));
                long settledMs = (System.nanoTime() - started) / 1_000_000;

                Map<String, String> statuses = rig.statuses();
                int twice = 0;
                List<String> notSent = new ArrayList<>();
                for (Sent sent : accepted) {
                    twice += rig.messenger.taken(sent.messageId()) > 1 ? 1 : 0;
                    if (rig.messenger.taken(sent.messageId()) != 1 || !"sent".equals(statuses.get(sent.messageId()))) {
                        notSent.add(sent.messageId() + "=" + statuses.get(sent.messageId()) + "/taken "
                                + rig.messenger.taken(sent.messageId()));
                    }
                }
                System.out.printf("many-pages soak: %d messages to %d pages (%d throttled at %d/s) settled after %d ms;"
                                + " %d sent twice, %d not sent once; %d calls answered 613; %d cold worker containers,"
                                + " %d echo redeliveries%n", accepted.size(), PAGES, THROTTLED_PAGES, THROTTLED_RATE, settledMs, twice,
                        notSent.size(), rig.messenger.throttled(), coldWorkers.get(), rig.echoesRejected.get());
                assertEquals(MESSAGES, accepted.size());
                assertEquals(0, twice, "never sent twice");
                assertEquals(List.of(), notSent.stream().limit(10).toList(),
                        "every message sent exactly once, none failed or left queued for a configured page");
                assertTrue(rig.messenger.throttled() > 0, "Facebook did throttle the limited pages");

                int receipts = postReadReceipts(rig, accepted, facebookTimestamps);
                Map<String, String> afterReceipts = rig.statuses();
                List<String> unread = accepted.stream().map(Sent::messageId)
                        .filter(id -> !"read".equals(afterReceipts.get(id))).limit(10).toList();
                assertEquals(List.of(), unread, "every receipt applied: each message read by its conversation's "
                        + "watermark (" + receipts + " receipts)");
            }
        }
    }

    /** One accepted message, and the conversation it belongs to. */
    private record Sent(String messageId, String pageId, String psid) {
    }

    /** A worker execution environment: its handler, built cold, and how many batches it has served. */
    private static final class Container {
        final WorkerHandler handler;
        int invocations;

        Container(WorkerHandler handler, AtomicInteger cold) {
            this.handler = handler;
            cold.incrementAndGet();
        }
    }

    private static WorkerHandler worker(Map<String, String> env) {
        return new WorkerHandler(WorkerComponents.create(env, Clock.systemUTC(), Duration.ofSeconds(1),
                GuaranteeRig.CLAIM_LEASE));
    }

    /** Lambda's event source: the batch goes to an idle container, which is retired after a while for a cold one. */
    private static byte[] invokeOnContainer(BlockingQueue<Container> idle, Map<String, String> env, byte[] event,
                                            AtomicInteger cold) {
        Container container;
        try {
            container = idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        try {
            byte[] answer = StreamHandlers.invoke(container.handler, event,
                    FakeLambdaContext.countingDown(Duration.ofSeconds(30)));
            return answer.length == 0 ? Json.writeBytes(Json.object()) : answer;
        } finally {
            container.invocations++;
            idle.add(container.invocations >= WORKER_CONTAINER_LIFE ? new Container(worker(env), cold) : container);
        }
    }

    /** 2,000 signed sends from four callers, spread over every page, through send API containers born cold. */
    private static List<Sent> sendAll(GuaranteeRig rig, List<String> pages) throws Exception {
        Map<String, String> sendEnv = new HashMap<>(rig.aws.functionEnvironment("SendApiFunction"));
        sendEnv.put("LOG_LEVEL", "ERROR");
        List<SendApiHandler> containers = new ArrayList<>();
        for (int i = 0; i * SEND_CONTAINER_LIFE < MESSAGES; i++) {
            containers.add(new SendApiHandler(SendApiComponents.create(sendEnv, Clock.systemUTC())));
        }
        ExecutorService callers = Executors.newFixedThreadPool(4);
        List<Future<Sent>> calls = new ArrayList<>();
        for (int n = 0; n < MESSAGES; n++) {
            int i = n;
            calls.add(callers.submit(() -> {
                // The first quarter is a burst to the throttled pages; the rest spreads over every page.
                int page = i < MESSAGES / 4 ? i % THROTTLED_PAGES : i % PAGES;
                String psid = "7700" + page + "0" + (i / PAGES) % PSIDS_PER_PAGE;
                String body = "{\"page_id\":\"" + pages.get(page) + "\",\"recipient\":{\"id\":\"" + psid + "\"},"
                        + "\"message\":{\"template_type\":\"text\",\"text\":\"soak " + i + "\"}}";
                JsonNode response = StreamHandlers.invoke(containers.get(i / SEND_CONTAINER_LIFE),
                        ApiGatewayEvents.post("/api/send_message", body, Map.of("x-joinchat-signature",
                                new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), secret(page))),
                                false), FakeLambdaContext.countingDown(Duration.ofSeconds(10)));
                assertEquals(202, response.path("statusCode").asInt(), "message " + i + ": " + response);
                return new Sent(Json.parse(response.path("body").asText()).path("message_id").asText(),
                        pages.get(page), psid);
            }));
        }
        List<Sent> accepted = new ArrayList<>();
        for (Future<Sent> call : calls) {
            accepted.add(call.get());
        }
        callers.shutdown();
        return accepted;
    }

    private static void awaitDrained(GuaranteeRig rig, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        String queue = rig.aws.queueUrl("MessageQueue");
        int emptyInARow = 0;
        while (emptyInARow < 3) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the queue did not drain within " + max);
            }
            emptyInARow = rig.queueIsEmpty(queue) ? emptyInARow + 1 : 0;
            GuaranteeRig.pause(300);
        }
    }

    /**
     * Facebook's read receipt for each conversation: its watermark is Facebook's timestamp of the
     * conversation's last message (the echo's), so every message of it is read. Posted through
     * the real webhook handler, signed with the app secret.
     *
     * @return how many receipts were posted
     */
    private static int postReadReceipts(GuaranteeRig rig, List<Sent> accepted, Map<String, Long> facebookTimestamps) {
        Map<String, Long> watermarks = new HashMap<>();
        for (Sent sent : accepted) {
            Long stamp = facebookTimestamps.get(sent.messageId());
            assertTrue(stamp != null, "every message was echoed: " + sent.messageId());
            watermarks.merge(sent.pageId() + "|" + sent.psid(), stamp, Math::max);
        }
        WebhookHandler webhook = new WebhookHandler(
                WebhookComponents.create(rig.aws.functionEnvironment("WebhookFunction"), Clock.systemUTC(), List.of()));
        for (Map.Entry<String, Long> conversation : watermarks.entrySet()) {
            String[] key = conversation.getKey().split("\\|");
            long watermark = conversation.getValue();
            String payload = "{\"object\":\"page\",\"entry\":[{\"id\":\"" + key[0] + "\",\"time\":" + watermark
                    + ",\"messaging\":[{\"sender\":{\"id\":\"" + key[1] + "\"},\"recipient\":{\"id\":\"" + key[0]
                    + "\"},\"timestamp\":" + (watermark + 500) + ",\"read\":{\"watermark\":" + watermark + "}}]}]}";
            JsonNode response = StreamHandlers.invoke(webhook, ApiGatewayEvents.post("/webhook", payload,
                    Map.of("x-hub-signature-256", new WebhookSignatureVerifier().sign(
                            payload.getBytes(StandardCharsets.UTF_8), GuaranteeRig.APP_SECRET)), false),
                    FakeLambdaContext.countingDown(Duration.ofSeconds(10)));
            assertEquals(200, response.path("statusCode").asInt(), "read receipt " + conversation.getKey());
        }
        return watermarks.size();
    }

    private static String secret(int page) {
        return "soak-api-secret-" + page;
    }
}
