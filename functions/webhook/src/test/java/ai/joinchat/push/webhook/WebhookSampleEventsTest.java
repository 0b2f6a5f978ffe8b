package ai.joinchat.push.webhook;

import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.WebhookPayloadParser.WebhookPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webhook samples in events/ (for sam local invoke) are signed with the local demo app secret. */
class WebhookSampleEventsTest {

    private static final String DEMO_APP_SECRET = "demo-app-secret";
    private static final String DEMO_VERIFY_TOKEN = "demo-verify-token";

    private final WebhookSignatureVerifier signatures = new WebhookSignatureVerifier();

    @ParameterizedTest
    @ValueSource(strings = {"webhook-echo.json", "webhook-referral.json"})
    void postSamplesAreSignedWithTheDemoAppSecret(String file) throws IOException {
        HttpApiRequest request = sample(file);
        assertEquals("POST", request.method());
        assertEquals(WebhookService.PATH, request.path());
        String signature = request.header("X-Hub-Signature-256").orElseThrow();
        assertTrue(signatures.verify(request.body(), signature, DEMO_APP_SECRET), file);
        assertFalse(signatures.verify(request.body(), signature, "another-secret"));
    }

    @Test
    void theEchoSampleIsSignedOverFacebooksEscapedBytes() throws IOException {
        HttpApiRequest request = sample("webhook-echo.json");
        String body = new String(request.body(), StandardCharsets.UTF_8);
        assertTrue(body.contains("\\u2014") && body.contains("\\/"), body);
        byte[] reserialised = Json.writeBytes(Json.parse(body));
        assertFalse(signatures.verify(reserialised, request.header("x-hub-signature-256").orElseThrow(), DEMO_APP_SECRET));

        WebhookPayload payload = new WebhookPayloadParser(new TestPayloads.CapturedLog().logger)
                .parse(Json.parse(body));
        MessageEcho echo = assertInstanceOf(MessageEcho.class, payload.events().get(0));
        assertEquals("Hello from JoinChat — see https://joinchat.ai/", echo.text());
    }

    @Test
    void theReferralSampleCarriesTheDemoUuid() throws IOException {
        HttpApiRequest request = sample("webhook-referral.json");
        WebhookPayload payload = new WebhookPayloadParser(new TestPayloads.CapturedLog().logger)
                .parse(Json.parse(new String(request.body(), StandardCharsets.UTF_8)));
        Referral referral = assertInstanceOf(Referral.class, payload.events().get(0));
        assertEquals("uuid=demo-user-42", referral.ref());
        assertEquals("24681357", referral.psid());
    }

    @Test
    void theVerifySampleUsesTheDemoVerifyToken() throws IOException {
        HttpApiRequest request = sample("webhook-verify.json");
        assertEquals("GET", request.method());
        assertEquals(Optional.of("subscribe"), request.queryParameter("hub.mode"));
        assertEquals(Optional.of(DEMO_VERIFY_TOKEN), request.queryParameter("hub.verify_token"));
        assertEquals(Optional.of("CHALLENGE_ACCEPTED"), request.queryParameter("hub.challenge"));
    }

    private static HttpApiRequest sample(String file) throws IOException {
        return HttpApiRequest.fromEvent(Json.parse(Files.readString(events().resolve(file))));
    }

    private static Path events() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("events").resolve("webhook-verify.json"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("events/webhook-verify.json not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("events");
    }
}
