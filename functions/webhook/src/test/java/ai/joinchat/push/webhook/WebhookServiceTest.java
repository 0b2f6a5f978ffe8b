package ai.joinchat.push.webhook;

import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.testing.InMemoryContactBindings;
import ai.joinchat.push.testing.InMemoryMessageRecords;
import ai.joinchat.push.testing.RecordingOffers;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.SecretsProvider;
import java.time.Clock;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static ai.joinchat.push.webhook.TestPayloads.PAGE_ID;
import static ai.joinchat.push.webhook.TestPayloads.PSID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebhookServiceTest {

    private static final String APP_SECRET = "unit-app-secret";
    private static final String VERIFY_TOKEN = "unit-verify-token";
    private static final String APP_SECRET_JSON =
            "{\"app_secret\":\"" + APP_SECRET + "\",\"verify_token\":\"" + VERIFY_TOKEN + "\"}";

    private final TestPayloads.CapturedLog log = new TestPayloads.CapturedLog();
    private final ByteArrayOutputStream metricsOut = new ByteArrayOutputStream();
    private final Fakes.Records records = new Fakes.Records();
    private final InMemoryMessageRecords messages = new InMemoryMessageRecords();
    private final InMemoryContactBindings bindings = new InMemoryContactBindings();
    private final RecordingOffers offers = new RecordingOffers();

    {
        offers.all = true;
    }
    private final AtomicInteger secretReads = new AtomicInteger();
    private volatile Supplier<Optional<String>> secret = () -> Optional.of(APP_SECRET_JSON);
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final WebhookSignatureVerifier signatures = new WebhookSignatureVerifier();

    /** The service as the handler calls it: each request within {@code budget}. */
    private interface Endpoint {
        HttpApiResponse handle(HttpApiRequest request);
    }

    private Endpoint service(Duration budget) {
        SecretsProvider secrets = new SecretsProvider(id -> {
            if (id.startsWith("joinchat/pages/")) {
                return Optional.empty();
            }
            secretReads.incrementAndGet();
            assertEquals("joinchat/app", id);
            return secret.get();
        }, "joinchat/pages/", "joinchat/app", new JsonLogger("secrets", "WARN"));
        WebhookEventProcessor processor = new WebhookEventProcessor(records, messages, bindings,
                new BindingAdmission(secrets, offers, Clock.systemUTC()), pool);
        Metrics metrics = new Metrics("webhook", new PrintStream(metricsOut, true, StandardCharsets.UTF_8), log.clock);
        WebhookService service = new WebhookService(secrets, signatures, new WebhookPayloadParser(log.logger), processor,
                log.logger, metrics);
        return request -> { // one invocation: the handler writes its metrics when it ends
            try {
                return service.handle(request, Deadline.in(budget));
            } finally {
                metrics.flush();
            }
        };
    }

    private final Endpoint service = service(Duration.ofSeconds(5));

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static HttpApiRequest get(String path, Map<String, String> query) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        query.forEach((k, v) -> q.put(k, List.of(v)));
        return new HttpApiRequest("GET", path, Map.of(), q, new byte[0]);
    }

    private static HttpApiRequest verification(String mode, String token, String challenge) {
        Map<String, String> query = new LinkedHashMap<>();
        if (mode != null) {
            query.put("hub.mode", mode);
        }
        if (token != null) {
            query.put("hub.verify_token", token);
        }
        if (challenge != null) {
            query.put("hub.challenge", challenge);
        }
        return get("/webhook", query);
    }

    private HttpApiRequest signedPost(byte[] body) {
        return post(body, Map.of("X-Hub-Signature-256", signatures.sign(body, APP_SECRET)));
    }

    private static HttpApiRequest post(byte[] body, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Content-Type", "application/json");
        return new HttpApiRequest("POST", "/webhook", all, Map.of(), body);
    }

    private static String errorCode(HttpApiResponse response) {
        assertEquals("application/json", response.headers().get("content-type"));
        return Json.parse(response.body()).at("/error/code").asText();
    }

    private String metrics() {
        return metricsOut.toString(StandardCharsets.UTF_8);
    }

    private void assertNothingRecorded() {
        assertTrue(records.recorded.isEmpty());
        assertTrue(messages.calls.isEmpty());
        assertTrue(bindings.bound.isEmpty());
    }

    @Nested
    class Routes {

        @Test
        void otherPathsAreNotFound() {
            HttpApiResponse response = service.handle(get("/api/other", Map.of()));
            assertEquals(404, response.statusCode());
            assertEquals("not_found", errorCode(response));
            for (String path : List.of("/webhook/", "/webhook/x", "/Webhook", "/")) {
                assertEquals(404, service.handle(new HttpApiRequest("POST", path, Map.of(), Map.of(), new byte[0])).statusCode());
            }
        }

        @Test
        void otherMethodsAreNotAllowed() {
            for (String method : List.of("PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")) {
                HttpApiResponse response = service.handle(new HttpApiRequest(method, "/webhook", Map.of(), Map.of(), new byte[0]));
                assertEquals(405, response.statusCode(), method);
                assertEquals("method_not_allowed", errorCode(response));
                assertEquals("GET, POST", response.headers().get("allow"));
            }
            assertEquals(0, secretReads.get());
        }
    }

    @Nested
    class Verification {

        @Test
        void theRightTokenEchoesTheChallenge() {
            HttpApiResponse response = service.handle(verification("subscribe", VERIFY_TOKEN, "CHALLENGE_ACCEPTED"));
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().get("content-type").startsWith("text/plain"));
            assertEquals("CHALLENGE_ACCEPTED", response.body());
        }

        @Test
        void anythingElseIsForbidden() {
            List<HttpApiRequest> refused = List.of(
                    verification("subscribe", "wrong-token", "C"),
                    verification("subscribe", VERIFY_TOKEN.toUpperCase(), "C"),
                    verification("subscribe", VERIFY_TOKEN + " ", "C"),
                    verification("subscribe", "", "C"),
                    verification("subscribe", null, "C"),
                    verification("unsubscribe", VERIFY_TOKEN, "C"),
                    verification(null, VERIFY_TOKEN, "C"),
                    verification("subscribe", VERIFY_TOKEN, null),
                    verification("subscribe", VERIFY_TOKEN, ""));
            for (HttpApiRequest request : refused) {
                HttpApiResponse response = service.handle(request);
                assertEquals(403, response.statusCode(), request.query().toString());
                assertEquals("forbidden", errorCode(response));
                assertFalse(response.body().contains(VERIFY_TOKEN));
            }
        }

        @Test
        void aSecretsManagerFailureIs500() {
            secret = () -> {
                throw new DependencyUnavailableException("Secrets Manager", new RuntimeException("down"));
            };
            HttpApiResponse response = service.handle(verification("subscribe", VERIFY_TOKEN, "C"));
            assertEquals(500, response.statusCode());
            assertEquals("internal_error", errorCode(response));
        }

        @Test
        void aMissingAppSecretIs500() {
            secret = Optional::empty;
            assertEquals(500, service.handle(verification("subscribe", VERIFY_TOKEN, "C")).statusCode());
        }
    }

    @Nested
    class Signatures {

        private final byte[] body = TestPayloads.seed("referral-shortlink.json");

        @Test
        void missingSignatureIs401AndNothingIsRecorded() {
            HttpApiResponse response = service.handle(post(body, Map.of()));
            assertEquals(401, response.statusCode());
            assertEquals("missing_signature", errorCode(response));
            assertNothingRecorded();
            assertEquals(0, secretReads.get(), "no secret is needed to refuse an unsigned request");
            assertTrue(metrics().contains("\"WebhookSignatureRejected\":1"));
        }

        @Test
        void theOldSha1HeaderAloneCountsAsMissing() {
            HttpApiResponse response = service.handle(post(body, Map.of("X-Hub-Signature", "sha1=0123")));
            assertEquals("missing_signature", errorCode(response));
        }

        @Test
        void wrongSignatureIs401AndNothingIsRecorded() {
            List<String> wrong = List.of(
                    signatures.sign(body, "another-secret"),
                    signatures.sign("{}".getBytes(StandardCharsets.UTF_8), APP_SECRET),
                    signatures.sign(body, APP_SECRET).substring("sha256=".length()),
                    "sha256=zz",
                    "sha1=" + "0".repeat(40));
            for (String header : wrong) {
                HttpApiResponse response = service.handle(post(body, Map.of("X-Hub-Signature-256", header)));
                assertEquals(401, response.statusCode(), header);
                assertEquals("invalid_signature", errorCode(response));
            }
            assertNothingRecorded();
            assertFalse(log.text().contains(APP_SECRET));
        }

        @Test
        void theSignatureIsOverTheRawBytesNotTheReserialisedJson() {
            byte[] escaped = """
                    {"object":"page","entry":[{"id":"1","time":5,"messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},
                     "timestamp":7,"message":{"is_echo":true,"mid":"m1","text":"caf\\u00e9 \\/ \\ud83d\\ude00"}}]}]}
                    """.getBytes(StandardCharsets.UTF_8);
            byte[] reserialised = Json.writeBytes(Json.parse(new String(escaped, StandardCharsets.UTF_8)));

            HttpApiResponse forged = service.handle(post(escaped, Map.of("X-Hub-Signature-256",
                    signatures.sign(reserialised, APP_SECRET))));
            assertEquals(401, forged.statusCode());
            assertNothingRecorded();

            assertEquals(200, service.handle(signedPost(escaped)).statusCode());
            assertEquals("café / \uD83D\uDE00", ((MessageEcho) records.recorded.get(0)).text());
        }

        @Test
        void trailingCommasChangeNothingAboutSignatureFirst() {
            byte[] trailing = """
                    {"object":"page","entry":[{"id":"1","time":5,"messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},
                     "timestamp":7,"message":{"is_echo":true,"mid":"m-trailing","text":"hi",},},],},],}
                    """.getBytes(StandardCharsets.UTF_8);
            assertEquals(401, service.handle(post(trailing, Map.of())).statusCode());
            assertEquals(401, service.handle(post(trailing, Map.of("X-Hub-Signature-256",
                    signatures.sign(trailing, "another-secret")))).statusCode());
            assertNothingRecorded();

            assertEquals(200, service.handle(signedPost(trailing)).statusCode());
            assertEquals("m-trailing", ((MessageEcho) records.recorded.get(0)).mid());
        }

        @Test
        void aSecretsManagerFailureIs500() {
            secret = () -> {
                throw new DependencyUnavailableException("Secrets Manager", new RuntimeException("down"));
            };
            HttpApiResponse response = service.handle(signedPost(body));
            assertEquals(500, response.statusCode());
            assertEquals("internal_error", errorCode(response));
            assertNothingRecorded();
        }

        @Test
        void anAppSecretWithoutApp_secretIs500() {
            secret = () -> Optional.of("{\"verify_token\":\"x\"}");
            assertEquals(500, service.handle(signedPost(body)).statusCode());
            assertNothingRecorded();
        }
    }

    @Nested
    class Events {

        @Test
        void notJsonAfterAValidSignatureIs400() {
            for (String text : List.of("not json", "", "[1,2]", "\"page\"", "{\"object\":")) {
                HttpApiResponse response = service.handle(signedPost(text.getBytes(StandardCharsets.UTF_8)));
                assertEquals(400, response.statusCode(), text);
                assertEquals("invalid_json", errorCode(response));
            }
            assertNothingRecorded();
        }

        @Test
        void otherObjectsAreAcknowledgedAndIgnored() {
            byte[] body = """
                    {"object":"instagram","entry":[{"id":"1","time":5,"messaging":[{"sender":{"id":"2"},
                     "recipient":{"id":"1"},"timestamp":7,"read":{"watermark":6}}]}]}""".getBytes(StandardCharsets.UTF_8);
            HttpApiResponse response = service.handle(signedPost(body));
            assertEquals(200, response.statusCode());
            assertEquals("EVENT_RECEIVED", response.body());
            assertNothingRecorded();
            assertTrue(log.text().contains("\"event\":\"webhook_ignored\""));
        }

        @Test
        void unknownEventKindsAreAcknowledgedAndNotRecorded() {
            byte[] body = """
                    {"object":"page","entry":[{"id":"1","time":5,"messaging":[{"sender":{"id":"2"},
                     "recipient":{"id":"1"},"timestamp":7,"reaction":{"mid":"m","action":"react"}}]}]}""".getBytes(StandardCharsets.UTF_8);
            HttpApiResponse response = service.handle(signedPost(body));
            assertEquals(200, response.statusCode());
            assertNothingRecorded();
            assertTrue(log.text().contains("\"events_unknown\":1"), log.text());
        }

        @Test
        void everyEventOfEveryEntryInMessagingAndStandbyIsProcessed() {
            messages.putQueued(PAGE_ID, "msg_0001");
            String[] seeds = {"echo-text.json", "standby-echo-media.json", "referral-shortlink.json",
                    "referral-chat-plugin-user-ref.json", "postback-referral.json", "optin.json", "delivery.json",
                    "read.json", "quick-reply-phone.json", "quick-reply-email.json"};
            StringBuilder entries = new StringBuilder();
            for (String seed : seeds) {
                JsonNode entry = TestPayloads.seedJson(seed).get("entry").get(0);
                entries.append(entries.length() == 0 ? "" : ",").append(Json.write(entry));
            }
            byte[] body = ("{\"object\":\"page\",\"entry\":[" + entries + "]}").getBytes(StandardCharsets.UTF_8);

            HttpApiResponse response = service.handle(signedPost(body));

            assertEquals(200, response.statusCode());
            assertTrue(response.headers().get("content-type").startsWith("text/plain"));
            assertEquals("EVENT_RECEIVED", response.body());
            assertEquals(10, records.recorded.size() + messages.echoes.size());
            assertTrue(messages.calls.contains("confirmed " + PAGE_ID + " msg_0001 1457764197627"), messages.calls.toString());
            assertTrue(messages.calls.contains("delivered " + PAGE_ID + " [mid.1458668856218:ed81099e15d3f4f233]"));
            assertTrue(messages.calls.contains("delivered-up-to " + PAGE_ID + " " + PSID + " 1458668856253"));
            assertTrue(messages.calls.contains("read-up-to " + PAGE_ID + " " + PSID + " 1458668856253"));
            assertEquals(4, messages.calls.size(), "the standby echo has no metadata: " + messages.calls);
            assertEquals(Set.of("msg_0001"), messages.echoes.keySet(), "the matched echo is recorded next to its message");
            assertEquals(Map.of(
                    PAGE_ID + "/uuid:user-7f3a", PSID,
                    PAGE_ID + "/uuid:newsletter-user-5", PSID,
                    PAGE_ID + "/phone:+16505550123", PSID,
                    PAGE_ID + "/email:jane.doe@example.com", PSID),
                    bindings.bound.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().psid())));
            // The referral and the later postback referral carry the same uuid: the newer one holds it.
            assertEquals("ref", bindings.bound.get(PAGE_ID + "/uuid:user-7f3a").source());

            String line = log.text().lines().filter(l -> l.contains("\"event\":\"webhook_received\"")).findFirst().orElseThrow();
            JsonNode summary = Json.parse(line);
            assertEquals(10, summary.get("entries").asInt());
            assertEquals(10, summary.get("events").asInt());
            assertEquals(2, summary.get("events_echo").asInt());
            assertEquals(3, summary.get("events_referral").asInt());
            assertEquals(1, summary.get("events_optin").asInt());
            assertEquals(2, summary.get("events_quick_reply").asInt());
            assertEquals(10, summary.get("recorded").asInt());
            // The referral and the newer postback referral name the same uuid: only the newer one is bound.
            assertEquals(4, summary.get("bindings").asInt());
            assertEquals(1, summary.get("echoes_matched").asInt());
            assertTrue(summary.has("duration_ms"));
            assertFalse(log.text().contains(APP_SECRET));
            assertFalse(log.text().contains(VERIFY_TOKEN));
            assertTrue(metrics().contains("\"WebhookEvents\":10"));
            assertTrue(metrics().contains("\"WebhookBindings\":4"));
        }

        @Test
        void theSameEventTwiceInOneBatchIsProcessedOnce() {
            JsonNode entry = TestPayloads.seedJson("quick-reply-email.json").get("entry").get(0);
            byte[] body = ("{\"object\":\"page\",\"entry\":[" + Json.write(entry) + "," + Json.write(entry) + "]}")
                    .getBytes(StandardCharsets.UTF_8);
            assertEquals(200, service.handle(signedPost(body)).statusCode());
            assertEquals(1, records.recorded.size());
        }

        @Test
        void aRecordStorageFailureIs500() {
            records.failure = new DependencyUnavailableException("DynamoDB", new RuntimeException("throttled"));
            HttpApiResponse response = service.handle(signedPost(TestPayloads.seed("echo-text.json")));
            assertEquals(500, response.statusCode());
            assertEquals("internal_error", errorCode(response));
            assertTrue(log.text().contains("webhook_dependency_unavailable"));
        }

        @Test
        void aBindingStorageFailureIs500() {
            bindings.failure = new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
            assertEquals(500, service.handle(signedPost(TestPayloads.seed("referral-shortlink.json"))).statusCode());
        }

        @Test
        void aMessageStorageFailureIs500() {
            messages.failing.addAll(InMemoryMessageRecords.WEBHOOK_OPERATIONS);
            assertEquals(500, service.handle(signedPost(TestPayloads.seed("read.json"))).statusCode());
        }

        @Test
        void effectsOverTheBudgetAre500SoFacebookRedelivers() {
            bindings.delayMillis = 300;
            Endpoint hurried = service(Duration.ofMillis(50));
            assertEquals(500, hurried.handle(signedPost(TestPayloads.seed("referral-shortlink.json"))).statusCode());
        }
    }
}
