package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.signature.CallbackSignature;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Status callbacks end to end (contract section 8): local mode from the template with the demo
 * page's callback_url pointing at a receiver this test runs on loopback; messages sent through the
 * API, receipts and binding events posted to the webhook as Facebook would, bindings imported.
 * Each callback must arrive signed with the secret local mode printed, once per status, and local
 * mode's console must print it with its answer. The retry schedule's later waits (minutes to hours)
 * are proven at handler level in CallbacksOnLocalBackendsTest; here the first retry (5 s) is.
 * Skipped when the function jars are not built.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalModeCallbacksTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final List<String> FUNCTION_JARS = List.of("functions/send-api/target/send-api.jar",
            "functions/worker/target/worker.jar", "functions/webhook/target/webhook.jar",
            "functions/callbacks/target/callbacks.jar");
    private static final AtomicLong NEXT_PSID = new AtomicLong(System.currentTimeMillis() % 1_000_000 * 1_000_000L);
    private static final Pattern SECRET_LINE = Pattern.compile("callback_secret (whsec_\\S+)");

    /** A POST the receiver got. */
    record Received(String id, String timestamp, String signature, byte[] body, long atNanos) {
        JsonNode json() {
            return Json.parse(new String(body, StandardCharsets.UTF_8));
        }

        String type() {
            return json().path("type").asText();
        }

        /** The PSID the event is about (a contact's, or a message's recipient's). */
        String psid() {
            JsonNode data = json().path("data");
            return data.has("psid") ? data.path("psid").asText() : data.path("recipient").path("psid").asText(null);
        }
    }

    private static LocalMode localMode;
    private static HttpServer receiver;
    private static HttpClient http;
    private static DemoCredentials credentials;
    private static String callbackSecret;
    private static String skipReason;
    private static final List<Received> received = new CopyOnWriteArrayList<>();
    private static final List<String> consoleLines = new CopyOnWriteArrayList<>();
    /** Per PSID: the statuses the receiver answers in turn (the last repeats); 0 = hang until released. */
    private static final Map<String, List<Integer>> answers = new ConcurrentHashMap<>();
    private static final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        Path root = LocalMode.findRepositoryRoot();
        List<String> missing = FUNCTION_JARS.stream().filter(jar -> !Files.isRegularFile(root.resolve(jar))).toList();
        if (!missing.isEmpty()) {
            skipReason = "callbacks end-to-end test skipped: function jars not built (" + String.join(", ", missing) + ")";
            System.err.println(skipReason);
            return;
        }
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/", exchange -> {
            Received got = new Received(exchange.getRequestHeaders().getFirst("webhook-id"),
                    exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    exchange.getRequestHeaders().getFirst("webhook-signature"),
                    exchange.getRequestBody().readAllBytes(), System.nanoTime());
            received.add(got);
            List<Integer> statuses = answers.getOrDefault(String.valueOf(got.psid()), List.of(200));
            long tries = received.stream().filter(r -> r.id().equals(got.id())).count();
            int status = statuses.get((int) Math.min(tries, statuses.size()) - 1);
            if (status == 0) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                status = 200;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        credentials = DemoCredentials.demo();
        java.io.PrintStream out = ConsoleLineStream.lines(line -> {
            System.out.println(line);
            consoleLines.add(line);
        });
        localMode = LocalMode.start(new LocalMode.Options(root, 0, false, null, credentials, out,
                AwsBackends::awsEnvironment, "http://127.0.0.1:" + receiver.getAddress().getPort() + "/callbacks"));
        callbackSecret = consoleLines.stream().map(SECRET_LINE::matcher).filter(Matcher::find).map(m -> m.group(1))
                .findFirst().orElseThrow(() -> new AssertionError("local mode printed no callback_secret"));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @BeforeEach
    void skipWithoutFunctionJars() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @AfterAll
    static void stop() {
        release.countDown();
        if (localMode != null) {
            localMode.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    // ---- fixtures ---------------------------------------------------------------------------

    private static String newPsid() {
        return Long.toString(3_000_000_000_000_000L + NEXT_PSID.incrementAndGet());
    }

    private static HttpResponse<String> post(String path, String body, String header, String value) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(localMode.apiUri() + path)).timeout(LIMIT)
                .header("Content-Type", "application/json").header(header, value)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode signedPost(String path, String body) throws Exception {
        HttpResponse<String> response = post(path, body, "x-joinchat-signature",
                new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), credentials.apiSecret()));
        assertEquals(2, response.statusCode() / 100, response.body());
        return Json.parse(response.body());
    }

    private static String send(String psid, String extraMessageFields) throws Exception {
        return signedPost("/api/send_message", "{\"page_id\":\"" + credentials.pageId() + "\",\"recipient\":{\"id\":\""
                + psid + "\"},\"message\":{\"template_type\":\"text\",\"text\":\"Callback me\"" + extraMessageFields + "}}")
                .path("message_id").asText();
    }

    /** A Facebook webhook post of one messaging event, signed with the app secret. */
    private static void webhook(String messagingEvent) throws Exception {
        long now = System.currentTimeMillis();
        String body = "{\"object\":\"page\",\"entry\":[{\"id\":\"" + credentials.pageId() + "\",\"time\":" + now
                + ",\"messaging\":[" + messagingEvent + "]}]}";
        HttpResponse<String> response = post("/webhook", body, "X-Hub-Signature-256",
                new WebhookSignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), credentials.appSecret()));
        assertEquals(200, response.statusCode(), response.body());
    }

    private static String from(String psid, String rest) {
        long now = System.currentTimeMillis();
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + credentials.pageId()
                + "\"},\"timestamp\":" + now + "," + rest + "}";
    }

    private static <T> T poll(String description, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("waited " + LIMIT.toSeconds() + " s for " + description + "; received "
                + received.stream().map(r -> r.type() + "/" + r.psid()).toList());
    }

    private static Received awaitCallback(String type, String psid) {
        return poll(type + " for " + psid, () -> callbacks(type, psid).stream().findFirst());
    }

    private static List<Received> callbacks(String type, String psid) {
        return received.stream().filter(r -> r.type().equals(type) && psid.equals(r.psid())).toList();
    }

    private static JsonNode status(String messageId) throws Exception {
        return signedPost("/api/message_status", "{\"page_id\":\"" + credentials.pageId() + "\",\"message_id\":\""
                + messageId + "\"}");
    }

    private static JsonNode awaitStatus(String messageId, String wanted) {
        return poll(messageId + " " + wanted, () -> {
            try {
                JsonNode status = status(messageId);
                return wanted.equals(status.path("status").asText()) ? Optional.of(status) : Optional.empty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void assertSigned(Received callback) {
        assertTrue(CallbackSignature.verify(callback.id(), callback.timestamp(), callback.body(), callback.signature(),
                CallbackSignature.key(callbackSecret).orElseThrow(), Instant.now()), callback.type() + " is signed");
    }

    /** Local mode's console printed the callbacks function's line for this try, with its answer. */
    private static void assertPrinted(Received callback, String answer) {
        poll("the console line of " + callback.id(), () -> consoleLines.stream()
                .filter(line -> line.contains("callbacks") && line.contains(" callback ")
                        && line.contains("webhook_id=" + callback.id()) && line.contains(answer))
                .findFirst());
    }

    /** Nothing more than {@code expected} for the PSID, after a pause for stragglers. */
    private static void assertOnceEach(String psid, List<String> types) throws InterruptedException {
        Thread.sleep(2_000);
        for (String type : types) {
            List<Received> got = callbacks(type, psid);
            assertEquals(1, got.size(), type + " for " + psid + ": " + got.size());
            assertSigned(got.get(0));
            assertPrinted(got.get(0), "status=200 outcome=delivered");
        }
    }

    // ---- tests ------------------------------------------------------------------------------

    @Test
    @Order(1)
    void aMessageIsAnnouncedOncePerStatusSentDeliveredReadEvenWhenAReceiptRepeats() throws Exception {
        String psid = newPsid();
        String messageId = send(psid, "");
        Received sent = awaitCallback("message.sent", psid);
        JsonNode data = sent.json().path("data");
        assertEquals(messageId, data.path("message_id").asText());
        assertEquals("sent", data.path("status").asText());
        assertEquals(credentials.pageId(), data.path("page_id").asText());
        String mid = awaitStatus(messageId, "sent").path("facebook_message_id").asText();
        long watermark = System.currentTimeMillis() + 1000;
        String delivery = from(psid, "\"delivery\":{\"mids\":[\"" + mid + "\"],\"watermark\":" + watermark + "}");
        webhook(delivery);
        awaitCallback("message.delivered", psid);
        webhook(delivery); // Facebook repeats receipts
        webhook(from(psid, "\"read\":{\"watermark\":" + (watermark + 1000) + "}"));
        Received read = awaitCallback("message.read", psid);
        assertEquals(mid, read.json().at("/data/facebook_message_id").asText());
        webhook(from(psid, "\"read\":{\"watermark\":" + (watermark + 2000) + "}"));
        assertOnceEach(psid, List.of("message.sent", "message.delivered", "message.read"));

        // The browser console's feed lists each callback of the message with its answer.
        HttpResponse<String> feed = http.send(HttpRequest.newBuilder(URI.create(localMode.apiUri() + "/__console/feed?since=0"))
                .timeout(LIMIT).build(), HttpResponse.BodyHandlers.ofString());
        List<String> shown = new java.util.ArrayList<>();
        Json.parse(feed.body()).path("callbacks").forEach(entry -> {
            if (messageId.equals(entry.path("message_id").asText())) {
                shown.add(entry.at("/data/type").asText() + " " + entry.at("/data/answer_status").asInt());
            }
        });
        assertEquals(List.of("message.sent 200", "message.delivered 200", "message.read 200"), shown, feed.body());
    }

    @Test
    @Order(2)
    void aPermanentGraphErrorIsAnnouncedAsMessageFailed() throws Exception {
        String psid = newPsid();
        localMode.graphSandbox().orElseThrow().failNextSendsTo(psid, 1, 400, Json.parse("{\"message\":"
                + "\"(#100) No matching user found\",\"type\":\"OAuthException\",\"code\":100,\"error_subcode\":2018001}"));
        String messageId = send(psid, "");
        Received failed = poll("message.failed for " + messageId, () -> received.stream()
                .filter(r -> r.type().equals("message.failed") && messageId.equals(r.json().at("/data/message_id").asText()))
                .findFirst());
        assertEquals("100", failed.json().at("/data/error/code").asText());
        assertSigned(failed);
        assertPrinted(failed, "status=200 outcome=delivered");
    }

    @Test
    @Order(3)
    void aContactBoundArrivesForEachBindingSource() throws Exception {
        Map<String, String> sourceByPsid = new java.util.LinkedHashMap<>();
        String refPsid = newPsid();
        webhook(from(refPsid, "\"referral\":{\"ref\":\"uuid=cb-ref-" + refPsid + "\",\"source\":\"SHORTLINK\","
                + "\"type\":\"OPEN_THREAD\"}"));
        sourceByPsid.put(refPsid, "ref");
        String signedPsid = newPsid();
        webhook(from(signedPsid, "\"referral\":{\"ref\":\"" + SignedRef.signedRef(credentials.pageId(),
                "cb-signed-" + signedPsid, credentials.apiSecret()) + "\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}"));
        sourceByPsid.put(signedPsid, "signed_ref");
        String optinPsid = newPsid();
        webhook(from(optinPsid, "\"optin\":{\"ref\":\"uuid=cb-optin-" + optinPsid + "\"}"));
        sourceByPsid.put(optinPsid, "optin");
        String importPsid = newPsid();
        JsonNode imported = signedPost("/api/bindings", "{\"page_id\":\"" + credentials.pageId() + "\",\"bindings\":"
                + "[{\"psid\":\"" + importPsid + "\",\"email\":\"import-" + importPsid + "@example.com\"}]}");
        assertEquals(1, imported.path("imported").asInt(), imported.toString());
        sourceByPsid.put(importPsid, "import");
        String replyPsid = newPsid();
        String offer = send(replyPsid, ",\"quick_replies\":[{\"content_type\":\"user_email\"}]");
        awaitStatus(offer, "sent");
        String email = "reply-" + replyPsid + "@example.com";
        webhook(from(replyPsid, "\"message\":{\"mid\":\"m_qr" + replyPsid + "\",\"text\":\"" + email
                + "\",\"quick_reply\":{\"payload\":\"" + email + "\"}}"));
        sourceByPsid.put(replyPsid, "quick_reply");

        for (Map.Entry<String, String> expected : sourceByPsid.entrySet()) {
            Received bound = awaitCallback("contact.bound", expected.getKey());
            assertEquals(expected.getValue(), bound.json().at("/data/source").asText(), bound.json().toString());
        }
        JsonNode quickReply = awaitCallback("contact.bound", replyPsid).json().path("data");
        assertEquals("email", quickReply.path("kind").asText());
        assertEquals(email, quickReply.path("value").asText());
        for (String psid : sourceByPsid.keySet()) {
            assertOnceEach(psid, List.of("contact.bound"));
        }
    }

    @Test
    @Order(4)
    void aReceiverThatFailsGetsTheSameWebhookIdAgainOnTheFirstRetry() throws Exception {
        String psid = newPsid();
        answers.put(psid, List.of(503, 200));
        send(psid, "");
        Received first = awaitCallback("message.sent", psid);
        Received retry = poll("the retry of " + first.id(), () -> callbacks("message.sent", psid).stream().skip(1).findFirst());
        assertEquals(first.id(), retry.id());
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(retry.atNanos() - first.atNanos());
        assertTrue(waitedMillis >= 4_500, "retried after the schedule's 5 s, not " + waitedMillis + " ms");
        assertSigned(retry);
        assertPrinted(first, "status=503 outcome=retry");
        assertPrinted(retry, "attempt=2 duration_ms");
        assertPrinted(retry, "status=200 outcome=delivered");
    }

    /**
     * The examples' receivers get real callbacks: each one local mode sent here is passed on to them
     * byte for byte, with its headers; a tampered copy is refused. A receiver whose runtime is
     * missing is skipped.
     */
    @Test
    @Order(5)
    void theExamplesReceiversAcceptRealCallbacksAndRejectTamperedCopies(@TempDir Path directory) throws Exception {
        String psid = newPsid();
        send(psid, "");
        webhook(from(psid, "\"referral\":{\"ref\":\"uuid=cb-examples-" + psid + "\",\"source\":\"SHORTLINK\","
                + "\"type\":\"OPEN_THREAD\"}"));
        List<Received> real = List.of(awaitCallback("message.sent", psid), awaitCallback("contact.bound", psid));
        int tried = 0;
        for (String language : List.of("python", "node", "java", "php")) {
            if (!CallbackReceiversTest.present(CallbackReceiversTest.RunningReceiver.runtime(language))) {
                System.err.println(language + " receiver skipped: its runtime is missing");
                continue;
            }
            Path own = Files.createDirectories(directory.resolve(language));
            try (CallbackReceiversTest.RunningReceiver receiver = CallbackReceiversTest.RunningReceiver.start(language,
                    own, callbackSecret)) {
                for (Received callback : real) {
                    CallbackReceiversTest.Signed signed = signed(callback);
                    assertEquals(400, CallbackReceiversTest.post(receiver.uri(), signed, tampered(callback.body())), language);
                    assertEquals("rejected " + callback.id() + " bad signature", receiver.next(), language);
                    assertEquals(2, CallbackReceiversTest.post(receiver.uri(), signed, callback.body()) / 100, language);
                    assertEquals("accepted " + callback.type() + " " + callback.id(), receiver.next(), language);
                }
            }
            tried++;
        }
        if (CallbackReceiversTest.present("openssl")) {
            Path script = LocalMode.findRepositoryRoot().resolve("examples/curl/verify_callback.sh");
            Path own = Files.createDirectories(directory.resolve("curl"));
            for (Received callback : real) {
                assertEquals(new CallbackReceiversTest.Run(1, "rejected " + callback.id() + " bad signature"),
                        CallbackReceiversTest.verify(script, own, signed(callback), tampered(callback.body()), callbackSecret));
                assertEquals(new CallbackReceiversTest.Run(0, "accepted " + callback.type() + " " + callback.id()),
                        CallbackReceiversTest.verify(script, own, signed(callback), callback.body(), callbackSecret));
            }
            tried++;
        }
        Assumptions.assumeTrue(tried > 0, "no receiver's runtime is present");
    }

    private static CallbackReceiversTest.Signed signed(Received callback) {
        return new CallbackReceiversTest.Signed(callback.id(), Long.parseLong(callback.timestamp()), callback.signature(),
                callback.body());
    }

    /** The body with one character of its data changed. */
    private static byte[] tampered(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        int at = text.indexOf("\"page_id\":\"") + "\"page_id\":\"".length();
        return (text.substring(0, at) + (text.charAt(at) == '9' ? '8' : '9') + text.substring(at + 1))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Last: the hanging receiver pauses the demo page's callbacks for a while. */
    @Test
    @Order(6)
    void aHangingReceiverDelaysNoDelivery() throws Exception {
        String hung = newPsid();
        answers.put(hung, List.of(0));
        send(hung, "");
        Received hanging = awaitCallback("message.sent", hung);
        GraphApiSandbox sandbox = localMode.graphSandbox().orElseThrow();
        for (int i = 0; i < 3; i++) {
            String psid = newPsid();
            send(psid, "");
            poll("delivery to " + psid, () -> sandbox.recordedMessages().stream()
                    .filter(r -> r.path("status").asInt() == 200)
                    .filter(r -> psid.equals(r.path("body").path("recipient").path("id").asText())).findFirst());
        }
        long deliveredAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hanging.atNanos());
        assertTrue(deliveredAfter < 15_000, "three messages were delivered while the callback hung; took "
                + deliveredAfter + " ms");
        release.countDown();
    }
}
