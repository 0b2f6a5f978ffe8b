package ai.joinchat.push.local.guarantee;

import ai.joinchat.push.callbacks.CallbacksComponents;
import ai.joinchat.push.callbacks.CallbacksHandler;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.faults.FaultProxy.Fault;
import ai.joinchat.push.local.guarantee.GuaranteeRig.Answer;
import ai.joinchat.push.local.lambda.DynamoDbStreamEventSourcePoller;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.signature.CallbackSignature;
import ai.joinchat.push.testing.FakeLambdaContext;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No lost callbacks (contract section 8): the worker invocation is killed right after DynamoDB
 * took its write of {@code sent} (it never answers; SQS redelivers the message), and the
 * {@code message.sent} callback still reaches the page's endpoint, once, signed. The callbacks
 * function runs as the template declares it: the Messages table's stream event source (its filter
 * and partial batch responses) and the callback queue's SQS event source, on the rig's backends.
 */
class CallbackAfterAKilledWorkerTest {

    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "killed worker callback test key!".getBytes(StandardCharsets.UTF_8));

    private static GuaranteeRig rig;
    private static HttpServer receiver;
    private static final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private static final List<Map<String, String>> headers = new CopyOnWriteArrayList<>();
    private static final List<AutoCloseable> sources = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        rig = new GuaranteeRig(Duration.ofSeconds(2));
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> got = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> got.put(name.toLowerCase(), values.get(0)));
            got.put("verified", Boolean.toString(CallbackSignature.verify(got.get("webhook-id"), got.get("webhook-timestamp"),
                    body, got.get("webhook-signature"), CallbackSignature.key(SECRET).orElseThrow(), Instant.now())));
            headers.add(got);
            bodies.add(Json.parse(new String(body, StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        rig.aws.putSecret(rig.aws.functionEnvironment("CallbacksFunction").get("PAGE_SECRET_PREFIX") + GuaranteeRig.PAGE_ID,
                Map.of("api_secret", GuaranteeRig.API_SECRET, "page_access_token", GuaranteeRig.PAGE_TOKEN,
                        "callback_url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/callbacks",
                        "callback_secret", SECRET));

        Map<String, String> env = new HashMap<>(rig.aws.functionEnvironment("CallbacksFunction"));
        env.put("ALLOW_PRIVATE_CALLBACKS", "true");
        env.put("LOG_LEVEL", "WARN");
        CallbacksHandler callbacks = new CallbacksHandler(CallbacksComponents.create(env, Clock.systemUTC(),
                CallbacksComponents.POST_TIMEOUT, CallbacksComponents.SQS_MAX_DELAY));
        JsonLogger quiet = new JsonLogger("event-source", "ERROR");
        for (DynamoDbStreamEventSourcePoller stream : rig.aws.streamEventSources("CallbacksFunction",
                event -> StreamHandlers.invoke(callbacks, event, FakeLambdaContext.countingDown(Duration.ofSeconds(60))),
                quiet)) {
            stream.start();
            sources.add(stream);
        }
        SqsEventSourcePoller queue = new SqsEventSourcePoller(rig.aws.sqs(), rig.aws.queueUrl("CallbackQueue"),
                rig.aws.stack().queueArn("CallbackQueue"), 10,
                event -> StreamHandlers.invoke(callbacks, event, FakeLambdaContext.countingDown(Duration.ofSeconds(60))),
                quiet, Duration.ofSeconds(1));
        queue.start();
        sources.add(queue);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable source : sources) {
            source.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aWorkerKilledRightAfterRecordingSentStillProducesTheSentCallbackOnce() throws Exception {
        String text = "killed after sent " + UUID.randomUUID();
        Answer accepted = rig.send(GuaranteeRig.textBody(text), null, Duration.ofSeconds(4));
        assertEquals(202, accepted.status(), accepted.toString());
        String id = accepted.messageId();
        rig.workerDynamo.fail("UpdateItem", "\":sent_at\"", Fault.KILL);

        int faultsBefore = rig.workerDynamo.faulted();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (rig.poller.pollOnce(Duration.ofSeconds(1)) == 0 && System.nanoTime() < end) {
            GuaranteeRig.pause(50);
        }
        assertTrue(rig.workerDynamo.faulted() > faultsBefore, "the worker was killed after its write of sent");
        assertEquals("sent", rig.status(id), "the write the killed invocation made is committed");
        rig.workerDynamo.clear();
        rig.settle(Duration.ofSeconds(60));
        assertEquals(1, rig.messenger.taken(id));

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (sentCallbacks(id).isEmpty() && System.nanoTime() < deadline) {
            GuaranteeRig.pause(100);
        }
        GuaranteeRig.pause(3_000); // a duplicate would come within the stream's and the queue's next polls
        List<Integer> sent = sentCallbacks(id);
        assertEquals(1, sent.size(), "one message.sent callback for " + id + "; got " + bodies);
        assertEquals("true", headers.get(sent.get(0)).get("verified"), "signed with the page's callback_secret");
        assertEquals("sent", bodies.get(sent.get(0)).at("/data/status").asText());
    }

    private static List<Integer> sentCallbacks(String messageId) {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            JsonNode body = bodies.get(i);
            if ("message.sent".equals(body.path("type").asText()) && messageId.equals(body.at("/data/message_id").asText())) {
                found.add(i);
            }
        }
        return found;
    }
}
