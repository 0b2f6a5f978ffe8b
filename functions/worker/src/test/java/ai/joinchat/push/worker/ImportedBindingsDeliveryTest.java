package ai.joinchat.push.worker;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract section 4b end to end: bindings imported through the send API's real
 * {@link SendApiHandler} ({@code POST /api/bindings}) are what the real {@link WorkerHandler}
 * resolves, on the local backends with WireMock as the Graph API.
 */
@ExtendWith(LocalAwsExtension.class)
class ImportedBindingsDeliveryTest {

    private static final String API_SECRET = "import-api-secret";
    private static final String TOKEN = "import-page-token-not-real";

    @RegisterExtension
    static final WireMockExtension graph = WireMockExtension.newInstance().options(options().dynamicPort()).build();

    private final LocalAws aws;
    private String pageId;
    private SendApiHandler sendApi;
    private SqsEventSourcePoller poller;

    ImportedBindingsDeliveryTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeEach
    void setUp() {
        aws.purge("MessageQueue");
        pageId = Long.toString(8_000_000_000L + System.nanoTime() % 1_000_000_000L);
        aws.putPageSecret(pageId, API_SECRET, TOKEN, null);
        aws.putAppSecret("import-app-secret", "verify-token");

        sendApi = new SendApiHandler(SendApiComponents.create(aws.functionEnvironment("SendApiFunction"),
                Clock.systemUTC()));
        Map<String, String> workerEnv = new HashMap<>(aws.functionEnvironment("WorkerFunction"));
        workerEnv.put("GRAPH_API_BASE_URL", graph.baseUrl());
        WorkerHandler worker = new WorkerHandler(WorkerComponents.create(workerEnv, Clock.systemUTC(),
                Duration.ofMillis(1000), DeliveryPolicy.DEFAULT_CLAIM_LEASE));
        poller = new SqsEventSourcePoller(aws.sqs(), aws.queueUrl("MessageQueue"), aws.stack().queueArn("MessageQueue"),
                10, event -> StreamHandlers.invoke(worker, event, null),
                new JsonLogger("sqs-event-source", "WARN"), Duration.ZERO);
    }

    @AfterEach
    void tearDown() {
        poller.close();
    }

    @Test
    void aSendToAnImportedUuidPhoneOrEmailReachesItsPsid() {
        String messagesPath = "/v25.0/" + pageId + "/messages";
        graph.stubFor(post(urlPathEqualTo(messagesPath)).willReturn(okJson("{\"recipient_id\":\"1\",\"message_id\":\"m_1\"}")));

        JsonNode imported = call("/api/bindings", "{\"page_id\":\"" + pageId + "\",\"bindings\":["
                + "{\"psid\":\"4242001\",\"uuid\":\"joinchat-user-1\"},"
                + "{\"psid\":\"4242002\",\"phone\":\"+1 (555) 010-0200\"},"
                + "{\"psid\":\"4242003\",\"email\":\"Migrated@Example.com\"}]}");
        assertEquals(200, imported.path("statusCode").asInt(), imported.toString());
        assertEquals(3, Json.parse(imported.path("body").asText()).path("imported").asInt());

        for (String recipient : new String[]{"{\"uuid\":\"joinchat-user-1\"}", "{\"phone\":\"+15550100200\"}",
                "{\"email\":\"migrated@example.com\"}"}) {
            JsonNode sent = call("/api/send_message", "{\"page_id\":\"" + pageId + "\",\"recipient\":" + recipient
                    + ",\"message\":{\"template_type\":\"text\",\"text\":\"Welcome back\"}}");
            assertEquals(202, sent.path("statusCode").asInt(), sent.toString());
        }
        int delivered = 0;
        for (int polls = 0; delivered < 3 && polls < 20; polls++) {
            delivered += poller.pollOnce(Duration.ofSeconds(1));
        }
        assertEquals(3, delivered);

        for (String psid : new String[]{"4242001", "4242002", "4242003"}) {
            graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(messagesPath))
                    .withRequestBody(equalToJson("{\"recipient\":{\"id\":\"" + psid + "\"}}", true, true)));
        }
    }

    private JsonNode call(String path, String body) {
        JsonNode response = StreamHandlers.invoke(sendApi, ApiGatewayEvents.post(path, body,
                Map.of("x-joinchat-signature", new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8),
                        API_SECRET)), false));
        assertTrue(response.isObject());
        return response;
    }
}
