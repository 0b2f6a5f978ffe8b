package ai.joinchat.push.worker;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.signature.SignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    private static WireMockServer graph;

    private final LocalAws aws;
    private String pageId;
    private SendApiHandler sendApi;
    private SqsEventSourcePoller poller;

    ImportedBindingsDeliveryTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeAll
    static void startGraph() {
        graph = new WireMockServer(options().dynamicPort());
        graph.start();
    }

    @AfterAll
    static void stopGraph() {
        graph.stop();
    }

    @BeforeEach
    void setUp() {
        graph.resetAll();
        aws.purge("MessageQueue");
        pageId = Long.toString(8_000_000_000L + System.nanoTime() % 1_000_000_000L);
        aws.putPageSecret(pageId, API_SECRET, TOKEN, null);
        aws.putAppSecret("import-app-secret", "verify-token");

        sendApi = SendApiComponents.create(aws.functionEnvironment("SendApiFunction"), Clock.systemUTC()).handler();
        Map<String, String> workerEnv = new HashMap<>(aws.functionEnvironment("WorkerFunction"));
        workerEnv.put("GRAPH_API_BASE_URL", graph.baseUrl());
        WorkerHandler worker = WorkerComponents.create(workerEnv, Clock.systemUTC(), Duration.ofMillis(1000)).handler();
        poller = new SqsEventSourcePoller(aws.sqs(), aws.queueUrl("MessageQueue"), aws.stack().queueArn("MessageQueue"),
                aws.stack().region(), 10, event -> invoke(worker, event), new JsonLogger("sqs-event-source", "WARN"),
                Duration.ZERO);
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
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        ObjectNode event = Json.object();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", path);
        event.put("rawQueryString", "");
        event.putObject("headers").put("content-type", "application/json")
                .put("x-joinchat-signature", new SignatureVerifier().sign(raw, API_SECRET));
        ObjectNode context = event.putObject("requestContext");
        context.put("requestId", "req-import");
        context.putObject("http").put("method", "POST").put("path", path).put("sourceIp", "203.0.113.7");
        event.put("body", body);
        event.put("isBase64Encoded", false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            sendApi.handleRequest(new ByteArrayInputStream(Json.writeBytes(event)), out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode response = Json.parse(out.toString(StandardCharsets.UTF_8));
        assertTrue(response.isObject());
        return response;
    }

    private static byte[] invoke(WorkerHandler handler, byte[] event) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), out, null);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
