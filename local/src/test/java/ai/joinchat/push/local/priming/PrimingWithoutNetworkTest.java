package ai.joinchat.push.local.priming;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiService;
import ai.joinchat.push.webhook.WebhookComponents;
import ai.joinchat.push.webhook.WebhookService;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.WorkerComponents;
import ai.joinchat.push.worker.batch.SqsRecord;
import ai.joinchat.push.worker.graph.GraphSendClient;
import org.crac.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SnapStart cannot run here, so the priming each function registers for its snapshot is held to
 * its promise on the real components built from the environment as Lambda's constructor builds
 * them: it runs the request path through the AWS SDK (the operations its in-memory HTTP client
 * answered), opens no connection (every AWS endpoint and the Graph API point at a socket that
 * counts connections) and leaves nothing behind (no thread, nothing cached in the components that
 * serve invocations, whose first request still asks the backends, no log or metric line that
 * CloudWatch would record at snapshot time), and it can run again, as a snapshot is taken once per
 * published version.
 */
class PrimingWithoutNetworkTest {

    private ServerSocket listener;
    private final AtomicInteger connections = new AtomicInteger();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private PrintStream stdout;

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket ignored = listener.accept()) {
                    connections.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "priming-connection-counter");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void close() throws IOException {
        if (stdout != null) {
            System.setOut(stdout);
        }
        listener.close();
    }

    private Map<String, String> environment() {
        String endpoint = "http://127.0.0.1:" + listener.getLocalPort();
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("AWS_ENDPOINT_URL", endpoint);
        env.put("GRAPH_API_BASE_URL", endpoint);
        env.put("MESSAGES_TABLE", "messages");
        env.put("IDEMPOTENCY_TABLE", "keys");
        env.put("CONTACT_BINDINGS_TABLE", "bindings");
        env.put("CONTACT_STATE_TABLE", "contact-state");
        env.put("WEBHOOK_EVENTS_TABLE", "events");
        env.put("QUEUE_URL", endpoint + "/000000000000/queue");
        env.put("DEAD_LETTER_QUEUE_ARN", "arn:aws:sqs:us-east-1:000000000000:queue-dlq");
        env.put("PAGE_SECRET_PREFIX", "joinchat/pages/");
        env.put("APP_SECRET_ID", "joinchat/app");
        return env;
    }

    /** Captures stdout from here on, so the components built next write their log and metrics into it. */
    private void captureStdout() {
        stdout = System.out;
        System.setOut(new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    /**
     * Runs a checkpoint and a restore twice, then ends an invocation's metrics as a handler does:
     * a metric the priming recorded would be written by the first invocation after a restore.
     */
    private void primeTwice(Resource priming, Metrics metrics) throws Exception {
        output.reset();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try {
            for (int i = 0; i < 2; i++) {
                priming.beforeCheckpoint(null);
                priming.afterRestore(null);
            }
            metrics.flush();
        } finally {
            System.setOut(stdout);
            stdout = null;
        }
        Thread.sleep(100); // a connection the priming opened in the background would be counted by now
        assertEquals(0, connections.get(), "connections the priming opened");
        assertEquals("", output.toString(StandardCharsets.UTF_8), "what the priming wrote to the log");
        long until = System.nanoTime() + 2_000_000_000L; // a pool shut down ends its threads shortly after
        List<String> left = threadsNotIn(before);
        while (!left.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
            left = threadsNotIn(before);
        }
        assertEquals(List.of(), left, "threads the priming left running");
    }

    private static List<String> threadsNotIn(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t))
                .map(Thread::getName).toList();
    }

    /** The real components cached nothing from the priming: their first request asks the backends. */
    private void assertTheFirstRequestAsksTheBackends(Runnable request) {
        request.run();
        assertTrue(connections.get() > 0, "connections of the first request after the priming");
    }

    @Test
    void theSendApisPrimingSendsThroughTheSdkOpensNoConnectionAndLeavesNothing() throws Exception {
        captureStdout();
        SendApiComponents components = SendApiComponents.create(environment(), Clock.systemUTC());
        primeTwice(components.priming(), components.metrics());
        List<String> operations = components.priming().run();
        assertTrue(operations.containsAll(List.of("GetSecretValue", "PutItem", "TransactWriteItems", "SendMessage",
                "GetItem")), operations.toString());
        assertTheFirstRequestAsksTheBackends(() -> components.service().handle(new HttpApiRequest("POST",
                SendApiService.SEND_PATH, Map.of("x-joinchat-signature", "sha256=00"), Map.of(),
                "{\"page_id\":\"1\"}".getBytes(StandardCharsets.UTF_8)), Deadline.none(), Instant.now()));
    }

    @Test
    void theWorkersPrimingClaimsThroughTheSdkOpensNoConnectionAndLeavesNothing() throws Exception {
        captureStdout();
        WorkerComponents components = WorkerComponents.create(environment(), Clock.systemUTC(),
                GraphSendClient.DEFAULT_TIMEOUT, DeliveryPolicy.DEFAULT_CLAIM_LEASE);
        primeTwice(components.priming(), components.metrics());
        List<String> operations = components.priming().run();
        assertTrue(operations.containsAll(List.of("GetSecretValue", "GetItem", "UpdateItem")), operations.toString());
        String queued = "{\"v\":1,\"message_id\":\"m\",\"page_id\":\"1\","
                + "\"recipient\":{\"type\":\"id\",\"value\":\"2\"},"
                + "\"template_type\":\"text\",\"message\":{\"template_type\":\"text\",\"text\":\"t\"},"
                + "\"messaging_type\":\"UPDATE\",\"warnings\":[],\"accepted_at\":\"2026-01-01T00:00:00Z\"}";
        assertTheFirstRequestAsksTheBackends(() -> components.processor().process(List.of(new SqsRecord("m", queued, 1,
                "r", "arn:aws:sqs:us-east-1:000000000000:queue", Map.of())), Deadline.none(), Deadline.none()));
    }

    @Test
    void theWebhooksPrimingRecordsThroughTheSdkOpensNoConnectionAndLeavesNothing() throws Exception {
        captureStdout();
        WebhookComponents components = WebhookComponents.create(environment(), Clock.systemUTC(), List.of());
        primeTwice(components.priming(), components.metrics());
        List<String> operations = components.priming().run();
        assertTrue(operations.containsAll(List.of("GetSecretValue", "BatchWriteItem")), operations.toString());
        assertTheFirstRequestAsksTheBackends(() -> components.service().handle(new HttpApiRequest("POST",
                WebhookService.PATH, Map.of("x-hub-signature-256", "sha256=00"), Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8)), Deadline.none()));
    }
}
