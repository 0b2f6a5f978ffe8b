package ai.joinchat.push.webhook;

import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handler and its components without any AWS backend: nothing here may touch the network. */
class WebhookHandlerTest {

    private static final Map<String, String> ENV = Map.of(
            "AWS_REGION", "us-east-1",
            "AWS_ACCESS_KEY_ID", "test",
            "AWS_SECRET_ACCESS_KEY", "test",
            // Nothing listens here: any call would fail the test.
            "AWS_ENDPOINT_URL", "http://127.0.0.1:9",
            "MESSAGES_TABLE", "messages",
            "CONTACT_BINDINGS_TABLE", "bindings",
            "CONTACT_STATE_TABLE", "contact-state",
            "WEBHOOK_EVENTS_TABLE", "events");

    @Test
    void declaresExactlyWhatItReads() {
        assertEquals(EnumSet.of(EnvVar.PAGE_SECRET_PREFIX, EnvVar.APP_SECRET_ID, EnvVar.SECRET_CACHE_TTL_SECONDS,
                        EnvVar.MESSAGES_TABLE, EnvVar.CONTACT_BINDINGS_TABLE, EnvVar.CONTACT_STATE_TABLE,
                        EnvVar.WEBHOOK_EVENTS_TABLE, EnvVar.RECORD_RETENTION_DAYS, EnvVar.LOG_LEVEL),
                WebhookComponents.DECLARED_ENV);
        assertThrows(UnsupportedOperationException.class, () -> WebhookComponents.DECLARED_ENV.add(EnvVar.QUEUE_URL));
    }

    @Test
    void aMissingTableIsAConfigurationError() {
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.remove("WEBHOOK_EVENTS_TABLE");
        assertThrows(IllegalStateException.class, () -> WebhookComponents.create(env, Clock.systemUTC(), List.of()));
    }

    @Test
    void checkpointPrimingRecordsTheSampleThroughTheSdkWithoutNetwork() {
        WebhookComponents components = WebhookComponents.create(ENV, Clock.systemUTC(), List.of());
        assertTrue(components.priming().run().contains("BatchWriteItem"));
        components.priming().beforeCheckpoint(null);
    }

    @Test
    void routesAndMethodsAreAnsweredThroughTheCodec() throws IOException {
        WebhookHandler handler = new WebhookHandler(WebhookComponents.create(ENV, Clock.systemUTC(), List.of()));
        assertEquals(404, invoke(handler, "GET", "/api/nothing").get("statusCode").asInt());
        JsonNode notAllowed = invoke(handler, "DELETE", "/webhook");
        assertEquals(405, notAllowed.get("statusCode").asInt());
        assertEquals("GET, POST", notAllowed.at("/headers/allow").asText());
        assertEquals("method_not_allowed", Json.parse(notAllowed.get("body").asText()).at("/error/code").asText());
    }

    @Test
    void anUnreadableEventIsAPlain500() throws IOException {
        WebhookHandler handler = new WebhookHandler(WebhookComponents.create(ENV, Clock.systemUTC(), List.of()));
        JsonNode response = Json.parse(new String(StreamHandlers.invoke(handler, "not json".getBytes(), null)));
        assertEquals(500, response.get("statusCode").asInt());
        assertEquals("internal_error", Json.parse(response.get("body").asText()).at("/error/code").asText());
    }

    @Test
    void theMetricOfA500IsWrittenWhenTheInvocationEnds() {
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(stdout, true, java.nio.charset.StandardCharsets.UTF_8));
        JsonNode response;
        try { // Secrets Manager does not answer: the app secret cannot be read
            WebhookHandler handler = new WebhookHandler(WebhookComponents.create(ENV, Clock.systemUTC(), List.of()));
            response = StreamHandlers.invoke(handler, ApiGatewayEvents.request("POST", "/webhook", "",
                    Map.of("x-hub-signature-256", "sha256=00"), "{}".getBytes(), false));
        } finally {
            System.setOut(original);
        }
        assertEquals(500, response.get("statusCode").asInt());
        List<String> documents = stdout.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains("\"_aws\"")).toList();
        assertEquals(1, documents.size(), stdout.toString());
        assertEquals(1, Json.parse(documents.get(0)).path("WebhookDependencyFailures").asInt(), documents.get(0));
    }

    private static JsonNode invoke(WebhookHandler handler, String method, String path) {
        return StreamHandlers.invoke(handler, ApiGatewayEvents.request(method, path, "", Map.of(), null, false));
    }
}
