package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.testing.InMemoryContactBindings;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.SignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Normalisation and per-item rejection of {@code POST /api/bindings}, with in-memory bindings. */
class BindingsImportServiceTest {

    private static final String SECRET = "unit-secret";

    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final InMemoryContactBindings bindings = new InMemoryContactBindings();
    private final SignedRequestAuthenticator authenticator = new SignedRequestAuthenticator(
            new SecretsProvider(id -> id.equals("pages/42")
                    ? Optional.of("{\"api_secret\":\"" + SECRET + "\",\"page_access_token\":\"t\"}")
                    : Optional.empty(), "pages/", "app", new JsonLogger("secrets", "WARN")),
            new SignatureVerifier(), Clock.systemUTC());
    private final BindingsImportService service = new BindingsImportService(
            bindings, clock,
            new JsonLogger("test", JsonLogger.Level.DEBUG, new PrintStream(logs, true, StandardCharsets.UTF_8), clock),
            new Metrics("test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock),
            NoReplayProtection.keys());

    @Test
    void phonesAndEmailsAreNormalisedLikeRecipients() {
        JsonNode answer = ok(importing("""
                [{"psid":"111","phone":"+84 (912) 345-678"},{"psid":222,"email":"Ann@Example.COM"},
                 {"psid":"333","uuid":"user-42"}]"""));
        assertEquals(3, answer.path("imported").asInt());
        assertEquals(0, answer.path("rejected").size());
        assertEquals(Optional.of("111"), bindings.psidFor("42", "phone:+84912345678"));
        assertEquals(Optional.of("222"), bindings.psidFor("42", "email:ann@example.com"));
        assertEquals(Optional.of("333"), bindings.psidFor("42", "uuid:user-42"));
    }

    @Test
    void eachInvalidBindingIsRejectedByIndexAndTheOthersImported() {
        JsonNode answer = ok(importing("""
                [{"psid":"1","uuid":"ok-1"},
                 {"uuid":"no-psid"},
                 {"psid":"12ab","uuid":"bad-psid"},
                 {"psid":"2"},
                 {"psid":"3","uuid":"u","email":"a@b.co"},
                 {"psid":"4","phone":"12"},
                 {"psid":"5","email":"not-an-email"},
                 {"psid":"6","uuid":"has space"},
                 "not an object",
                 {"psid":"7","uuid":"ok-1"},
                 {"psid":"8","phone":8491234567},
                 {"psid":"9","email":"OK@example.com"}]"""));
        assertEquals(2, answer.path("imported").asInt(), answer.toString());
        JsonNode rejected = answer.path("rejected");
        int[] indexes = new int[rejected.size()];
        for (int i = 0; i < rejected.size(); i++) {
            indexes[i] = rejected.get(i).path("index").asInt();
            assertFalse(rejected.get(i).path("reason").asText().isBlank());
        }
        assertEquals("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", java.util.Arrays.toString(indexes));
        assertTrue(rejected.get(8).path("reason").asText().contains("bindings[0]"), rejected.toString());
        assertEquals(Optional.of("1"), bindings.psidFor("42", "uuid:ok-1"), "the first of two rows for one contact wins");
        assertEquals(Optional.of("9"), bindings.psidFor("42", "email:ok@example.com"));
    }

    @Test
    void aBodyThatIsNotOneToAHundredBindingsIs400() {
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= BindingsImportService.MAX_BINDINGS; i++) {
            many.append(i == 0 ? "" : ",").append("{\"psid\":\"").append(i + 1).append("\",\"uuid\":\"u").append(i).append("\"}");
        }
        for (String items : new String[]{"[]", "{}", "\"x\"", many.append("]").toString()}) {
            HttpApiResponse response = importing(items);
            assertEquals(400, response.statusCode(), items);
            JsonNode error = Json.parse(response.body()).path("error");
            assertEquals("invalid_request", error.path("code").asText());
            assertEquals("bindings", error.path("details").path(0).path("field").asText());
        }
        HttpApiResponse missing = handle(signed("{\"page_id\":\"42\"}"));
        assertEquals(400, missing.statusCode());
        assertTrue(bindings.psidFor("42", "uuid:u0").isEmpty(), "nothing of a refused body is imported");
    }

    @Test
    void logsCarryCountsButNoContacts() {
        ok(importing("[{\"psid\":\"5550001\",\"email\":\"secret.person@example.com\"}]"));
        String logged = logs.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("bindings_imported"), logged);
        assertFalse(logged.contains("secret.person") || logged.contains("5550001"), logged);
    }

    private HttpApiResponse importing(String items) {
        return handle(signed("{\"page_id\":\"42\",\"bindings\":" + items + "}"));
    }

    /** As the send API's router: the authenticator's check, then the import. */
    private HttpApiResponse handle(HttpApiRequest request) {
        return service.handle((SignedRequestAuthenticator.AuthenticatedRequest) authenticator.authenticate(request),
                Deadline.none());
    }

    private static JsonNode ok(HttpApiResponse response) {
        assertEquals(200, response.statusCode(), response.body());
        return Json.parse(response.body());
    }

    private static HttpApiRequest signed(String body) {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        return new HttpApiRequest("POST", BindingsImportService.PATH,
                Map.of("x-joinchat-signature", new SignatureVerifier().sign(raw, SECRET)), Map.of(), raw);
    }
}
