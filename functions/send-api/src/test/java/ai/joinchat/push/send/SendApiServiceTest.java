package ai.joinchat.push.send;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.fakes.InMemoryContactBindings;
import ai.joinchat.push.local.fakes.InMemoryMessageRecords;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.request.SendRequestValidator;
import ai.joinchat.push.request.TagPolicy;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.store.IdempotencyKeys;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The send path's failure handling, with in-memory stand-ins for AWS. */
class SendApiServiceTest {

    private static final String SECRET = "unit-secret";
    private static final String BODY = "{\"page_id\":\"42\",\"recipient\":{\"id\":\"777\"},"
            + "\"message\":{\"template_type\":\"text\",\"text\":\"hi\"}}";

    private final InMemoryMessageRecords records = new InMemoryMessageRecords();
    private final List<QueuedMessage> queued = new ArrayList<>();
    private final Map<String, IdempotencyKeys.Reservation> keys = new HashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private boolean queueDown;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);

    private final SignedRequestAuthenticator authenticator = new SignedRequestAuthenticator(
            new SecretsProvider(id -> id.equals("pages/42")
                    ? Optional.of("{\"api_secret\":\"" + SECRET + "\",\"page_access_token\":\"t\"}")
                    : Optional.empty(), "pages/", "app"),
            new SignatureVerifier());
    private final JsonLogger log =
            new JsonLogger("test", JsonLogger.Level.DEBUG, new PrintStream(logs, true, StandardCharsets.UTF_8), clock);
    private final Metrics metrics =
            new Metrics("test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock);

    private final SendApiService service = new SendApiService(
            authenticator,
            new SendRequestValidator(TagPolicy.fromSetting("drop")),
            records, new FakeKeys(), new FakeQueue(), clock,
            () -> "msg-" + ids.incrementAndGet(), log, metrics,
            new BindingsImportService(authenticator, new InMemoryContactBindings(), clock, log, metrics));

    @Test
    void sqsFailureAnswers503AndLeavesNoRecord() {
        queueDown = true;
        HttpApiResponse response = service.handle(signed(BODY, Map.of()));
        assertEquals(503, response.statusCode());
        assertEquals("unavailable", Json.parse(response.body()).path("error").path("code").asText());
        assertTrue(response.headers().containsKey("retry-after"));
        assertTrue(records.find("msg-1").isEmpty(), "the queued record is removed when SQS refused the message");
        assertTrue(queued.isEmpty());
    }

    @Test
    void dynamoFailureAnswers503AndEnqueuesNothing() {
        records.failing.add("create");
        HttpApiResponse response = service.handle(signed(BODY, Map.of("Idempotency-Key", "k1")));
        assertEquals(503, response.statusCode());
        assertTrue(queued.isEmpty());
        assertTrue(keys.isEmpty(), "the idempotency key is released so the caller can retry");
    }

    @Test
    void failedSendReleasesIdempotencyKeySoTheRetrySucceeds() {
        queueDown = true;
        assertEquals(503, service.handle(signed(BODY, Map.of("Idempotency-Key", "k2"))).statusCode());
        queueDown = false;
        HttpApiResponse retry = service.handle(signed(BODY, Map.of("Idempotency-Key", "k2")));
        assertEquals(202, retry.statusCode());
        assertEquals(1, queued.size());
    }

    @Test
    void abandonedReservationIsTakenOverButARecentOneIsNot() {
        keys.put("42#k3", new IdempotencyKeys.Reservation(SendApiService.sha256(BODY.getBytes(StandardCharsets.UTF_8)),
                "lost", "{}", false, clock.instant().minusSeconds(5)));
        HttpApiResponse busy = service.handle(signed(BODY, Map.of("Idempotency-Key", "k3")));
        assertEquals(503, busy.statusCode(), "a request with the key is still in flight");

        keys.put("42#k3", new IdempotencyKeys.Reservation(SendApiService.sha256(BODY.getBytes(StandardCharsets.UTF_8)),
                "lost", "{}", false, clock.instant().minusSeconds(300)));
        HttpApiResponse taken = service.handle(signed(BODY, Map.of("Idempotency-Key", "k3")));
        assertEquals(202, taken.statusCode());
        assertEquals(1, queued.size());
    }

    @Test
    void acceptedMessageIsLoggedWithItsIdAndWithoutTheSecret() {
        HttpApiResponse response = service.handle(signed(BODY, Map.of()));
        assertEquals(202, response.statusCode());
        String log = logs.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("\"message_id\":\"msg-1\""), log);
        assertFalse(log.contains(SECRET));
        for (String line : log.split("\n")) {
            assertTrue(Json.parse(line).isObject(), "every log line is one JSON object: " + line);
        }
    }

    @Test
    void primingTouchesNoDependency() {
        records.failing.add("create");
        queueDown = true;
        service.primeWithoutNetwork();
        assertTrue(queued.isEmpty());
        assertTrue(keys.isEmpty());
        assertTrue(logs.toString(StandardCharsets.UTF_8).isEmpty(), "a 404 on the priming path logs nothing");
    }

    private HttpApiRequest signed(String body, Map<String, String> extraHeaders) {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("x-joinchat-signature", new SignatureVerifier().sign(raw, SECRET));
        return new HttpApiRequest("POST", "/api/send_message", headers, Map.of(), raw);
    }

    private final class FakeQueue implements OutboundQueue {
        @Override
        public void enqueue(QueuedMessage message, int delaySeconds) {
            if (queueDown) {
                throw new DependencyUnavailableException("SQS", null);
            }
            queued.add(message);
        }
    }

    private final class FakeKeys implements IdempotencyKeys {
        @Override
        public Optional<Reservation> reserve(String pageId, String key, String requestHash, String messageId,
                                             String responseBody, Instant now) {
            Reservation existing = keys.get(pageId + "#" + key);
            if (existing != null) {
                return Optional.of(existing);
            }
            keys.put(pageId + "#" + key, new Reservation(requestHash, messageId, responseBody, false, now));
            return Optional.empty();
        }

        @Override
        public void complete(String pageId, String key) {
            Reservation r = keys.get(pageId + "#" + key);
            keys.put(pageId + "#" + key, new Reservation(r.requestHash(), r.messageId(), r.responseBody(), true, r.createdAt()));
        }

        @Override
        public void release(String pageId, String key) {
            keys.remove(pageId + "#" + key);
        }
    }
}
