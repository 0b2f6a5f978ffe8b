package ai.joinchat.push.callbacks;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.signature.CallbackSignature;
import ai.joinchat.push.store.ContactBindings.ImportedBinding;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageItem;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.testing.SqsEvents;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The callbacks function end to end through {@link CallbacksHandler#handleRequest}: stream records
 * of items written by the real stores on DynamoDB Local (Lambda's exact DynamoDB stream event
 * shape), the callback queue on the local SQS, page secrets in the local Secrets Manager, and a
 * JDK HTTP server on loopback as the developer's receiver. Time is the test's clock.
 */
@ExtendWith(LocalAwsExtension.class)
class CallbacksOnLocalBackendsTest {

    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "a-callback-secret-of-32-bytes!!!".getBytes(StandardCharsets.UTF_8));
    private static final String PREVIOUS = "whsec_" + Base64.getEncoder().encodeToString(
            "the-previous-secret-of-32-bytes!".getBytes(StandardCharsets.UTF_8));

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        void advance(Duration by) {
            millis.addAndGet(by.toMillis());
        }
    }

    record Received(String path, Map<String, String> headers, byte[] body, long atMillis) {
        String header(String name) {
            return headers.get(name);
        }

        JsonNode json() {
            return Json.parse(new String(body, StandardCharsets.UTF_8));
        }
    }

    private final TestClock clock = new TestClock();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** Per path: the statuses to answer, in turn (the last repeats); 0 = hang. */
    private final Map<String, List<Integer>> answers = new ConcurrentHashMap<>();
    private LocalAws aws;
    private HttpServer receiver;
    private DynamoMessageRecords messages;
    private DynamoContactBindings bindings;
    private String page;
    private long sequence;

    @BeforeEach
    void setUp(LocalAws aws) throws Exception {
        this.aws = aws;
        aws.purge("CallbackQueue");
        messages = new DynamoMessageRecords(aws.dynamoDb(), aws.tableName("MessagesTable"), Duration.ofDays(30));
        bindings = new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"), clock);
        page = newPage();
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        receiver.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            received.add(new Received(path, headers, exchange.getRequestBody().readAllBytes(), System.currentTimeMillis()));
            List<Integer> statuses = answers.getOrDefault(path, List.of(204));
            long tries = received.stream().filter(r -> r.path().equals(path)).count();
            int status = statuses.get((int) Math.min(tries, statuses.size()) - 1);
            if (status == 0) {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(status == 0 ? 200 : status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void tearDown() {
        receiver.stop(0);
    }

    // ---- fixtures ---------------------------------------------------------------------------

    private static String newPage() {
        return Long.toString(ThreadLocalRandom.current().nextLong(100_000_000_000L, 999_999_999_999L));
    }

    private String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    private void configure(String pageId, Map<String, Object> settings) {
        Map<String, Object> secret = new LinkedHashMap<>(Map.of("api_secret", "s", "page_access_token", "t"));
        secret.putAll(settings);
        String id = "joinchat/pages/" + pageId;
        String value = Json.write(Json.MAPPER.valueToTree(secret));
        try {
            aws.secretsManager().putSecretValue(b -> b.secretId(id).secretString(value));
        } catch (software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException absent) {
            aws.secretsManager().createSecret(b -> b.name(id).secretString(value));
        }
    }

    private void configure(String pageId, String path) {
        configure(pageId, Map.of("callback_url", url(path), "callback_secret", SECRET));
    }

    private CallbacksHandler handler(boolean allowPrivate) {
        Map<String, String> env = new HashMap<>(aws.functionEnvironment("CallbacksFunction"));
        env.put("ALLOW_PRIVATE_CALLBACKS", Boolean.toString(allowPrivate));
        env.put("SECRET_CACHE_TTL_SECONDS", "0");
        return new CallbacksHandler(CallbacksComponents.create(env, clock, Duration.ofSeconds(2), Duration.ZERO));
    }

    private Map<String, AttributeValue> messageItem(String messageId) {
        return aws.dynamoDb().getItem(r -> r.tableName(aws.tableName("MessagesTable")).key(MessageItem.key(messageId)))
                .item();
    }

    private Map<String, AttributeValue> bindingItem(String pageId, String contact) {
        return aws.dynamoDb().getItem(r -> r.tableName(aws.tableName("ContactBindingsTable")).key(Map.of(
                "page_id", AttributeValue.fromS(pageId), "contact", AttributeValue.fromS(contact)))).item();
    }

    /** Lambda's DynamoDB stream record of a write that turned {@code before} into {@code after}. */
    private ObjectNode streamRecord(String table, Map<String, AttributeValue> keys, Map<String, AttributeValue> before,
                                    Map<String, AttributeValue> after) {
        ObjectNode record = Json.object().put("eventID", "e" + (++sequence))
                .put("eventName", before == null || before.isEmpty() ? "INSERT" : "MODIFY")
                .put("eventVersion", "1.1").put("eventSource", "aws:dynamodb").put("awsRegion", "us-east-1")
                .put("eventSourceARN", "arn:aws:dynamodb:us-east-1:000000000000:table/" + aws.tableName(table)
                        + "/stream/2026-12-07T00:00:00.000");
        ObjectNode dynamodb = record.putObject("dynamodb");
        dynamodb.put("ApproximateCreationDateTime", clock.millis() / 1000);
        dynamodb.set("Keys", image(keys));
        dynamodb.set("NewImage", image(after));
        if (before != null && !before.isEmpty()) {
            dynamodb.set("OldImage", image(before));
        }
        dynamodb.put("SequenceNumber", String.format("%021d", sequence)).put("SizeBytes", 100)
                .put("StreamViewType", "NEW_AND_OLD_IMAGES");
        return record;
    }

    private static ObjectNode image(Map<String, AttributeValue> item) {
        ObjectNode node = Json.object();
        item.forEach((name, value) -> node.set(name, typed(value)));
        return node;
    }

    private static JsonNode typed(AttributeValue v) {
        ObjectNode node = Json.object();
        if (v.s() != null) {
            node.put("S", v.s());
        } else if (v.n() != null) {
            node.put("N", v.n());
        } else if (v.bool() != null) {
            node.put("BOOL", v.bool());
        } else if (v.hasM()) {
            node.set("M", image(v.m()));
        } else if (v.hasL()) {
            v.l().forEach(e -> node.withArray("L").add(typed(e)));
            node.withArray("L");
        } else {
            node.put("NULL", true);
        }
        return node;
    }

    private JsonNode streamEvent(List<ObjectNode> records) {
        ObjectNode event = Json.object();
        event.putArray("Records").addAll(records);
        return event;
    }

    /** One write through the store, and its stream record. */
    private ObjectNode messageWrite(String messageId, Runnable write) {
        Map<String, AttributeValue> before = messageItem(messageId);
        write.run();
        return streamRecord("MessagesTable", MessageItem.key(messageId), before, messageItem(messageId));
    }

    private String acceptedMessage(String pageId) {
        String id = "msg-" + ThreadLocalRandom.current().nextLong(1L << 40);
        messages.createPending(MessageRecord.pending(id, pageId, new Recipient(RecipientType.UUID, "user-1"), "text",
                List.of(), clock.instant(), clock.instant().plusSeconds(30)), Deadline.none());
        messages.commit(id, Deadline.none());
        return id;
    }

    /** Everything on the callback queue, as one SQS event per up to 10 messages, deleted from the queue. */
    private List<JsonNode> drainQueue() {
        List<JsonNode> events = new ArrayList<>();
        List<Message> all = aws.receiveAll("CallbackQueue", 50);
        for (int from = 0; from < all.size(); from += 10) {
            List<ObjectNode> records = new ArrayList<>();
            for (Message m : all.subList(from, Math.min(all.size(), from + 10))) {
                records.add(SqsEvents.record(m.messageId(), m.receiptHandle(), m.body(), 1));
                aws.sqs().deleteMessage(r -> r.queueUrl(aws.queueUrl("CallbackQueue")).receiptHandle(m.receiptHandle()));
            }
            events.add(SqsEvents.event(records));
        }
        return events;
    }

    private List<Received> at(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    private static void assertSigned(Received callback, String secret) {
        byte[] key = CallbackSignature.key(secret).orElseThrow();
        assertTrue(CallbackSignature.verify(callback.header("webhook-id"), callback.header("webhook-timestamp"),
                callback.body(), callback.header("webhook-signature"), key,
                Instant.ofEpochSecond(Long.parseLong(callback.header("webhook-timestamp")))), "signed with " + secret);
    }

    private void deliverQueued(CallbacksHandler handler) {
        for (JsonNode event : drainQueue()) {
            assertEquals(0, StreamHandlers.invoke(handler, event).get("batchItemFailures").size());
        }
    }

    /** What the function writes to stdout (its JSON log and EMF lines) while {@code run} runs. */
    private static String stdout(Runnable run) {
        java.io.PrintStream original = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    // ---- tests ------------------------------------------------------------------------------

    @Test
    void everyMessageEventArrivesOncePerStatusSignedWithTheSameIdOnARepeatedRecord() {
        configure(page, "/all");
        CallbacksHandler handler = handler(true);
        String delivered = acceptedMessage(page);
        String failed = acceptedMessage(page);
        Instant sentAt = clock.instant();
        List<ObjectNode> records = new ArrayList<>();
        records.add(messageWrite(delivered, () -> messages.claim(delivered, clock.instant(), Duration.ofMinutes(3),
                clock.instant(), Deadline.none())));
        ObjectNode sent = messageWrite(delivered, () -> messages.run(Transition.MARK_SENT, delivered,
                Inputs.at(clock.instant()).withPage(page).withSent("m_1", "psid-1", sentAt), Deadline.none()));
        records.add(sent);
        records.add(sent.deepCopy()); // the stream's redelivery
        records.add(messageWrite(delivered, () -> messages.stampByEcho(new MessageRecords.Echo(page, delivered,
                sentAt.toEpochMilli(), "psid-1", "m_1", "app"), Deadline.none())));
        records.add(messageWrite(delivered, () -> messages.markDeliveryReceipt(page, "psid-1", List.of("m_1"), null,
                clock.instant(), Deadline.none())));
        records.add(messageWrite(delivered, () -> messages.markDeliveryReceipt(page, "psid-1", List.of("m_1"), null,
                clock.instant(), Deadline.none()))); // a second receipt: the record is unchanged
        records.add(messageWrite(delivered, () -> messages.markReadUpTo(page, "psid-1", clock.millis() + 1000,
                clock.instant(), Deadline.none())));
        records.add(messageWrite(failed, () -> messages.run(Transition.MARK_FAILED, failed,
                Inputs.at(clock.instant()).withError(new DeliveryError("551", null,
                "This person isn't available right now.", false)), Deadline.none())));

        JsonNode answer = StreamHandlers.invoke(handler, streamEvent(records));
        assertEquals(0, answer.get("batchItemFailures").size());
        deliverQueued(handler);

        Map<String, List<Received>> byType = at("/all").stream()
                .collect(Collectors.groupingBy(r -> r.json().get("type").asText()));
        assertEquals(Set.of("message.sent", "message.delivered", "message.read", "message.failed"), byType.keySet());
        assertEquals(2, byType.get("message.sent").size(), "the redelivered record is posted again...");
        assertEquals(1, byType.get("message.sent").stream().map(r -> r.header("webhook-id")).distinct().count(),
                "... with the same webhook-id");
        for (String type : List.of("message.delivered", "message.read", "message.failed")) {
            assertEquals(1, byType.get(type).size(), type);
        }
        at("/all").forEach(callback -> assertSigned(callback, SECRET));
        JsonNode read = byType.get("message.read").get(0).json();
        assertEquals(delivered, read.at("/data/message_id").asText());
        assertEquals("user-1", read.at("/data/recipient/uuid").asText());
        assertEquals("psid-1", read.at("/data/recipient/psid").asText());
        assertEquals("m_1", read.at("/data/facebook_message_id").asText());
        assertEquals("read", read.at("/data/status").asText());
        JsonNode failure = byType.get("message.failed").get(0).json();
        assertEquals("551", failure.at("/data/error/code").asText());
        assertEquals(false, failure.at("/data/error/retryable").asBoolean());
        Received any = at("/all").get(0);
        assertEquals("application/json", any.header("content-type"));
        assertTrue(any.header("user-agent").startsWith("joinchat-push"), any.header("user-agent"));
        assertTrue(any.header("webhook-id").startsWith("evt_"));
    }

    @Test
    void aMessageResentOnPurposeThatFailsAgainIsANewEventWhileARedeliveryKeepsItsId() {
        configure(page, "/resent");
        CallbacksHandler handler = handler(true);
        String id = acceptedMessage(page);
        DeliveryError unavailable = new DeliveryError("551", null, "This person isn't available right now.", false);
        List<ObjectNode> records = new ArrayList<>();
        records.add(messageWrite(id, () -> messages.claim(id, clock.instant(), Duration.ofMinutes(3), clock.instant(),
                Deadline.none())));
        ObjectNode firstFailure = messageWrite(id, () -> messages.run(Transition.MARK_FAILED_RESENDABLE, id,
                Inputs.at(clock.instant()).withError(unavailable).withResendBody("{}"), Deadline.none()));
        records.add(firstFailure);
        records.add(firstFailure.deepCopy()); // the stream's redelivery
        records.add(messageWrite(id, () -> assertTrue(messages.resend(id, page, clock.instant(),
                clock.instant().plusSeconds(30), Deadline.none()).isPresent())));
        records.add(messageWrite(id, () -> messages.commit(id, Deadline.none())));
        records.add(messageWrite(id, () -> messages.claim(id, clock.instant(), Duration.ofMinutes(3), clock.instant(),
                Deadline.none())));
        records.add(messageWrite(id, () -> messages.run(Transition.MARK_FAILED_RESENDABLE, id,
                Inputs.at(clock.instant()).withError(unavailable).withResendBody("{}"), Deadline.none())));

        assertEquals(0, StreamHandlers.invoke(handler, streamEvent(records)).get("batchItemFailures").size());
        deliverQueued(handler);

        List<Received> failed = at("/resent").stream()
                .filter(r -> r.json().get("type").asText().equals("message.failed")).toList();
        assertEquals(3, failed.size(), "two failures, the first one's record delivered twice");
        Map<Integer, List<String>> idsByAttempts = failed.stream().collect(Collectors.groupingBy(
                r -> r.json().at("/data/attempts").asInt(), Collectors.mapping(r -> r.header("webhook-id"), Collectors.toList())));
        assertEquals(Set.of(1, 2), idsByAttempts.keySet());
        assertEquals(1, idsByAttempts.get(1).stream().distinct().count(), "a redelivery keeps its id");
        assertNotEquals(idsByAttempts.get(1).get(0), idsByAttempts.get(2).get(0), "the resend's failure is a new event");
    }

    @Test
    void aContactBoundArrivesForEachBindingSourceAndNotForTheSamePsidAgain() {
        configure(page, Map.of("callback_url", url("/bound"), "callback_secret", SECRET,
                "callback_events", List.of("contact.bound")));
        CallbacksHandler handler = handler(true);
        List<ObjectNode> records = new ArrayList<>();
        long t = clock.millis();
        Map<String, String> sources = Map.of("uuid:a", "ref", "uuid:b", "signed_ref", "uuid:c", "optin",
                "phone:+16505550123", "quick_reply", "email:jane@example.com", "quick_reply");
        sources.forEach((contact, source) -> {
            Map<String, AttributeValue> before = bindingItem(page, contact);
            bindings.bind(page, contact, "psid-" + contact.length(), t, source, false, Deadline.none());
            records.add(streamRecord("ContactBindingsTable", Map.of("page_id", AttributeValue.fromS(page),
                    "contact", AttributeValue.fromS(contact)), before, bindingItem(page, contact)));
        });
        Map<String, AttributeValue> before = bindingItem(page, "uuid:d");
        bindings.importBindings(page, List.of(new ImportedBinding("uuid:d", "psid-import")), clock.instant(),
                Deadline.none());
        records.add(streamRecord("ContactBindingsTable", Map.of("page_id", AttributeValue.fromS(page),
                "contact", AttributeValue.fromS("uuid:d")), before, bindingItem(page, "uuid:d")));
        Map<String, AttributeValue> again = bindingItem(page, "uuid:a");
        bindings.bind(page, "uuid:a", "psid-6", t + 1, "ref", false, Deadline.none()); // same PSID, later
        records.add(streamRecord("ContactBindingsTable", Map.of("page_id", AttributeValue.fromS(page),
                "contact", AttributeValue.fromS("uuid:a")), again, bindingItem(page, "uuid:a")));

        assertEquals(0, StreamHandlers.invoke(handler, streamEvent(records)).get("batchItemFailures").size());
        deliverQueued(handler);

        Map<String, String> got = at("/bound").stream().map(Received::json).collect(Collectors.toMap(
                body -> body.at("/data/kind").asText() + ":" + body.at("/data/value").asText(),
                body -> body.at("/data/source").asText()));
        Map<String, String> expected = new HashMap<>(sources);
        expected.put("uuid:d", "import");
        assertEquals(expected, got);
        at("/bound").forEach(callback -> {
            assertEquals("contact.bound", callback.json().get("type").asText());
            assertEquals(page, callback.json().at("/data/page_id").asText());
            assertSigned(callback, SECRET);
        });
    }

    @Test
    void aReceiverFailingThreeTimesThenSucceedingGetsTheSameWebhookIdOnTheContractsSchedule() {
        configure(page, "/flaky");
        answers.put("/flaky", List.of(500, 503, 500, 200));
        CallbacksHandler handler = handler(true);
        String id = acceptedMessage(page);
        ObjectNode record = messageWrite(id, () -> failRetryably(id));
        StreamHandlers.invoke(handler, streamEvent(List.of(record)));
        Instant first = clock.instant();
        deliverQueued(handler);
        assertEquals(1, at("/flaky").size());
        deliverQueued(handler); // too early for the second try: back on the queue, not posted
        assertEquals(1, at("/flaky").size());
        for (Duration due : List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30))) {
            clock.millis.set(first.plus(due.multipliedBy(6).dividedBy(5)).toEpochMilli() + 1000);
            deliverQueued(handler);
        }
        assertEquals(4, at("/flaky").size());
        assertEquals(1, at("/flaky").stream().map(r -> r.header("webhook-id")).distinct().count());
        clock.advance(Duration.ofDays(2));
        deliverQueued(handler);
        assertEquals(4, at("/flaky").size(), "delivered: nothing left to try");
    }

    @Test
    void a410StopsTheRetriesAndEveryOtherFailureEndsDroppedAfterTheLastTry() {
        configure(page, "/gone");
        answers.put("/gone", List.of(410));
        String other = newPage();
        configure(other, "/down");
        answers.put("/down", List.of(500));
        CallbacksHandler handler = handler(true);
        String gone = acceptedMessage(page);
        String down = acceptedMessage(other);
        StreamHandlers.invoke(handler, streamEvent(List.of(
                messageWrite(gone, () -> failRetryably(gone)),
                messageWrite(down, () -> failRetryably(down)))));
        for (int i = 0; i < 12; i++) {
            deliverQueued(handler);
            clock.advance(Duration.ofHours(5));
        }
        assertEquals(1, at("/gone").size());
        assertEquals(1 + Dispatcher.SCHEDULE.size(), at("/down").size());
        assertTrue(aws.receiveAll("CallbackQueue", 1).isEmpty(), "nothing left queued");
    }

    @Test
    void aHangingReceiverHoldsOnlyItsOwnEventsAndIsNotTriedAgainForAWhile() {
        configure(page, "/hang");
        answers.put("/hang", List.of(0));
        String other = newPage();
        configure(other, "/fine");
        CallbacksHandler handler = handler(true);
        String slow = acceptedMessage(page);
        String slow2 = acceptedMessage(page);
        String fast = acceptedMessage(other);
        StreamHandlers.invoke(handler, streamEvent(List.of(
                messageWrite(slow, () -> failRetryably(slow)),
                messageWrite(fast, () -> failRetryably(fast)))));
        long started = System.currentTimeMillis();
        deliverQueued(handler);
        assertEquals(1, at("/fine").size());
        assertTrue(at("/fine").get(0).atMillis() - started < 1500, "the other page's callback did not wait");
        assertTrue(System.currentTimeMillis() - started < 5000, "the hanging POST ended at its timeout");

        StreamHandlers.invoke(handler, streamEvent(List.of(messageWrite(slow2,
                () -> failRetryably(slow2)))));
        deliverQueued(handler);
        assertEquals(1, at("/hang").size(), "the page that just timed out is not tried: its event waits");
        assertEquals(2, aws.receiveAll("CallbackQueue", 5).size(), "its retry and its new event are queued");
    }

    @Test
    void privateAddressesAndPlainHttpAreRefusedUnlessPrivateCallbacksAreAllowed() throws Exception {
        int port = receiver.getAddress().getPort();
        List<ObjectNode> records = new ArrayList<>();
        for (String target : List.of("https://127.0.0.1:" + port + "/p", "https://localhost:" + port + "/p",
                "http://127.0.0.1:" + port + "/p", "https://169.254.169.254/latest", "https://10.0.0.1/p")) {
            String pageId = newPage();
            configure(pageId, Map.of("callback_url", target, "callback_secret", SECRET));
            String id = acceptedMessage(pageId);
            records.add(messageWrite(id, () -> failRetryably(id)));
        }
        CallbacksHandler handler = handler(false);
        StreamHandlers.invoke(handler, streamEvent(records));
        deliverQueued(handler);
        assertEquals(List.of(), received, "nothing reached a private address");
        assertTrue(aws.receiveAll("CallbackQueue", 1).isEmpty(), "refused events are dropped, not retried");

        Function<String, Boolean> isPublic = host -> {
            try {
                return CallbackPost.isPublic(InetAddress.getByName(host));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        };
        for (String refused : List.of("127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                "fe80::1", "fd00:ec2::254", "fc00::1", "0.0.0.0", "::", "224.0.0.1", "100.64.0.1", "::ffff:127.0.0.1",
                "64:ff9b::a9fe:a9fe")) {
            assertEquals(false, isPublic.apply(refused), refused);
        }
        for (String allowed : List.of("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111")) {
            assertEquals(true, isPublic.apply(allowed), allowed);
        }
    }

    @Test
    void whileAPreviousSecretIsSetEachCallbackCarriesTwoSignaturesBothValid() {
        configure(page, Map.of("callback_url", url("/rotating"), "callback_secret", SECRET,
                "previous_callback_secret", PREVIOUS));
        String id = acceptedMessage(page);
        String logs = stdout(() -> {
            CallbacksHandler handler = handler(true);
            StreamHandlers.invoke(handler, streamEvent(List.of(messageWrite(id,
                    () -> messages.run(Transition.MARK_FAILED, id,
                    Inputs.at(clock.instant()).withError(new DeliveryError("x", null, "the-error-message", true)),
                    Deadline.none())))));
            deliverQueued(handler);
        });
        Received callback = at("/rotating").get(0);
        assertTrue(logs.contains("\"outcome\":\"delivered\""), logs);
        for (String secret : List.of(SECRET, PREVIOUS, SECRET.substring(6), PREVIOUS.substring(6), "the-error-message",
                callback.header("webhook-signature").split(" ")[0].substring(3), "/rotating")) {
            assertTrue(!logs.contains(secret), "no secret, signature, body or URL in the logs: " + secret);
        }
        assertEquals(2, callback.header("webhook-signature").split(" ").length);
        assertSigned(callback, SECRET);
        assertSigned(callback, PREVIOUS);
    }

    @Test
    void invalidCallbackSettingsDisableThePagesCallbacks() {
        List<ObjectNode> records = new ArrayList<>();
        for (Map<String, Object> bad : List.of(
                Map.<String, Object>of("callback_url", url("/bad"), "callback_secret", "not-a-whsec-secret"),
                Map.<String, Object>of("callback_url", "ftp://example.com/x", "callback_secret", SECRET),
                Map.<String, Object>of("callback_url", url("/bad"), "callback_secret", SECRET,
                        "previous_callback_secret", "whsec_short"),
                Map.<String, Object>of("callback_url", url("/bad"), "callback_secret", SECRET,
                        "callback_events", List.of("message.sent", "message.bounced")))) {
            String pageId = newPage();
            configure(pageId, bad);
            String id = acceptedMessage(pageId);
            records.add(messageWrite(id, () -> failRetryably(id)));
        }
        String logs = stdout(() -> assertEquals(0,
                StreamHandlers.invoke(handler(true), streamEvent(records)).get("batchItemFailures").size()));
        assertTrue(aws.receiveAll("CallbackQueue", 1).isEmpty(), "nothing queued for pages with bad settings");
        for (String setting : List.of("callback_secret", "callback_url", "previous_callback_secret", "callback_events")) {
            assertTrue(logs.contains("\"event\":\"page_setting_invalid\"") && logs.contains("\"setting\":\"" + setting + "\""),
                    setting + ": " + logs);
        }
        for (String value : List.of("not-a-whsec-secret", "ftp://example.com", "whsec_short", "message.bounced")) {
            assertTrue(!logs.contains(value), "the setting is named, never its value: " + value);
        }
    }

    @Test
    void aPageLookupThatCannotBeMadeIsABatchItemFailureNeverADrop() {
        configure(page, "/later");
        String id = acceptedMessage(page);
        ObjectNode record = messageWrite(id, () -> failRetryably(id));
        var controls = aws.secretsManagerControls().orElseThrow();
        CallbacksHandler fresh = handler(true);
        controls.failRequests(true);
        try {
            JsonNode answer = StreamHandlers.invoke(fresh, streamEvent(List.of(record)));
            assertEquals(record.at("/dynamodb/SequenceNumber").asText(),
                    answer.at("/batchItemFailures/0/itemIdentifier").asText(), "the stream retries from this record");
        } finally {
            controls.failRequests(false);
        }
        StreamHandlers.invoke(handler(true), streamEvent(List.of(record)));
        List<JsonNode> queued = drainQueue();
        assertEquals(1, queued.size());
        CallbacksHandler dispatching = handler(true);
        controls.failRequests(true);
        try {
            JsonNode answer = StreamHandlers.invoke(dispatching, queued.get(0));
            assertEquals(queued.get(0).at("/Records/0/messageId").asText(),
                    answer.at("/batchItemFailures/0/itemIdentifier").asText(), "SQS gives the event again");
        } finally {
            controls.failRequests(false);
        }
        assertEquals(0, StreamHandlers.invoke(dispatching, queued.get(0)).get("batchItemFailures").size());
        assertEquals(1, at("/later").size());
    }

    /** The record's {@code failed} (retryable) write, as the worker makes it on a message's last receive. */
    private void failRetryably(String messageId) {
        messages.run(Transition.MARK_FAILED, messageId, Inputs.at(clock.instant())
                .withError(new DeliveryError("x", null, "y", true)), Deadline.none());
    }
}
