package ai.joinchat.push.local;

import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.local.aws.template.HttpApiRoute;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.ServerlessFunction;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.request.TagPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/openapi.yaml tells the truth: its operations are the contract's routes and the ones
 * template.yaml declares, and the bodies the system takes and gives validate against its schemas
 * (networknt json-schema-validator, JSON Schema 2020-12 as OpenAPI 3.1 uses it). Request bodies
 * are also given to the real {@link SendRequestValidator}, so the schema and the code agree on
 * what is valid.
 */
class OpenApiTest {

    private static final Path ROOT = LocalMode.findRepositoryRoot();
    private static final Path OPENAPI = ROOT.resolve("docs/openapi.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode DOCUMENT = readYaml(OPENAPI);
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SendRequestValidator VALIDATOR = new SendRequestValidator(TagPolicy.fromSetting("drop"));

    /** Contract section 1: every route and its methods, and the resend route this product adds. */
    private static final Map<String, Set<String>> CONTRACT_ROUTES = Map.of(
            "/api/send_message", Set.of("post"),
            "/api/message_status", Set.of("post"),
            "/api/resend_message", Set.of("post"),
            "/api/bindings", Set.of("post"),
            "/webhook", Set.of("get", "post"));

    /**
     * Contract routes that template.yaml does not (yet) declare as routes of their own; until it
     * does, they reach the send API through the {@code $default} route. POST /api/bindings is built
     * on another branch of issue 12; once the template declares it, this set must shrink.
     */
    private static final Set<String> SERVED_BY_DEFAULT_ROUTE = Set.of("/api/bindings");

    @Test
    void operationsAreTheContractsRoutes() {
        Map<String, Set<String>> documented = new TreeMap<>();
        DOCUMENT.get("paths").fields().forEachRemaining(path -> {
            Set<String> methods = new TreeSet<>();
            path.getValue().fieldNames().forEachRemaining(methods::add);
            documented.put(path.getKey(), methods);
        });
        assertEquals(new TreeMap<>(CONTRACT_ROUTES), documented);
    }

    @Test
    void documentedPathsAreTheRoutesTemplateYamlDeclares() {
        SamTemplate template = SamTemplate.read(ROOT.resolve("template.yaml"));
        Map<String, String> declared = new HashMap<>();
        for (ServerlessFunction function : template.functions()) {
            for (HttpApiRoute route : function.httpApiEvents()) {
                declared.put(route.path(), route.method().toUpperCase());
            }
        }
        assertEquals("ANY", declared.get("$default"), "undeclared routes reach a function (JSON 404/405)");
        declared.remove("$default");

        Set<String> documented = new TreeSet<>();
        DOCUMENT.get("paths").fieldNames().forEachRemaining(documented::add);
        for (String path : documented) {
            if (!declared.containsKey(path)) {
                assertTrue(SERVED_BY_DEFAULT_ROUTE.contains(path), "documented but not declared in template.yaml: " + path);
                continue;
            }
            String method = declared.get(path);
            DOCUMENT.get("paths").get(path).fieldNames().forEachRemaining(operation -> assertTrue(
                    method.equals("ANY") || method.equalsIgnoreCase(operation),
                    path + " " + operation + " is documented, template.yaml routes only " + method));
        }
        assertEquals(new TreeSet<>(declared.keySet()), intersection(documented, declared.keySet()),
                "every route template.yaml declares is documented");
    }

    @Test
    void signatureHeadersAreDocumentedOnEverySignedOperation() {
        for (String path : List.of("/api/send_message", "/api/message_status", "/api/bindings")) {
            Set<String> headers = headerNames(DOCUMENT.at(pointer("paths", path, "post")));
            assertTrue(headers.containsAll(Set.of("x-joinchat-signature", "x_joinchat_signature", "x-joinchat-timestamp")),
                    path + ": " + headers);
        }
        assertTrue(headerNames(DOCUMENT.at(pointer("paths", "/api/send_message", "post"))).contains("Idempotency-Key"));
        assertTrue(headerNames(DOCUMENT.at(pointer("paths", "/webhook", "post"))).contains("X-Hub-Signature-256"));
        JsonNode unavailable = DOCUMENT.at("/components/responses/Unavailable");
        assertTrue(unavailable.at("/headers").has("Retry-After"), "503 documents Retry-After");
    }

    @Test
    void everyExampleInTheDocumentValidatesAgainstItsSchema() {
        List<String> checked = new ArrayList<>();
        DOCUMENT.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            String base = pointer("paths", path.getKey(), operation.getKey());
            checkMediaExamples(base + "/requestBody", operation.getValue().path("requestBody"), checked);
            operation.getValue().path("responses").fields().forEachRemaining(response -> {
                JsonNode node = response.getValue();
                String at = base + pointer("responses", response.getKey());
                if (node.has("$ref")) {
                    at = node.get("$ref").asText().substring(1);
                    node = DOCUMENT.at(at);
                }
                checkMediaExamples(at, node, checked);
            });
        }));
        assertTrue(checked.size() >= 20, "examples checked: " + checked);
    }

    @Test
    void validSendBodiesOfEveryTemplateTypeValidate() throws IOException {
        List<JsonNode> bodies = new ArrayList<>();
        for (String body : List.of(
                "{\"page_id\":\"1234567890\",\"recipient\":{\"id\":24681357},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\","
                        + "\"quick_replies\":[{\"content_type\":\"text\",\"title\":\"Yes\",\"payload\":\"YES\"},{\"content_type\":\"user_email\"}]},\"delay\":\"10\"}",
                "{\"page_id\":1234567890,\"recipient\":{\"phone\":\"+33 6 12 34 56 78\"},\"message\":{\"template_type\":\"button\",\"text\":\"Pick\","
                        + "\"buttons\":[{\"type\":\"postback\",\"title\":\"A\",\"payload\":{\"choice\":\"a\"}},{\"type\":\"phone_number\",\"title\":\"Call\",\"payload\":\"+15550102030\"}]},\"tag\":\"HUMAN_AGENT\"}",
                "{\"page_id\":\"1\",\"recipient\":{\"email\":\"Ann@Example.com\"},\"message\":{\"template_type\":\"generic\",\"image_aspect_ratio\":\"square\","
                        + "\"elements\":[{\"title\":\"T\",\"default_action\":{\"type\":\"web_url\",\"url\":\"https://example.com\"}}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"uuid\":\"u-1\"},\"message\":{\"template_type\":\"list\",\"elements\":[{\"title\":\"A\",\"subtitle\":\"a\"},"
                        + "{\"title\":\"B\",\"image_url\":\"https://example.com/b.png\",\"buttons\":[{\"type\":\"web_url\",\"url\":\"https://example.com\",\"title\":\"Go\"}]}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"receipt\",\"recipient_name\":\"Ann\",\"order_number\":\"42\","
                        + "\"currency\":\"EUR\",\"payment_method\":\"Visa\",\"summary\":{\"total_cost\":9.99},\"elements\":[{\"title\":\"Hat\",\"price\":9.99}],"
                        + "\"address\":{\"street_1\":\"1 Rue\",\"city\":\"Paris\",\"postal_code\":\"75001\",\"state\":\"IDF\",\"country\":\"FR\"},"
                        + "\"adjustments\":[{\"name\":\"Promo\",\"amount\":-1}]}}")) {
            bodies.add(JSON.readTree(body));
        }
        bodies.addAll(requestSeeds());
        DOCUMENT.at(pointer("paths", "/api/send_message", "post", "requestBody", "content", "application/json", "examples"))
                .forEach(example -> bodies.add(example.get("value")));
        bodies.add(eventBody("send-message.json"));
        bodies.add(eventBody("send-message-generic.json"));
        assertTrue(bodies.size() >= 22, "bodies: " + bodies.size());
        for (JsonNode body : bodies) {
            assertEquals(List.of(), VALIDATOR.validate(body.deepCopy()).violations(), "the send API accepts " + body);
            assertEquals(Set.of(), errors("SendMessageRequest", body), body.toString());
        }
    }

    @Test
    void invalidSendBodiesAreRejectedByTheSchemaAsByTheSendApi() throws IOException {
        String text2001 = "x".repeat(2001);
        List<String> invalid = List.of(
                "{\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"text\",\"text\":\"no page\"}}",
                "{\"page_id\":\"12a\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\"}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\",\"uuid\":\"u\"},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\"}}",
                "{\"page_id\":\"1\",\"recipient\":{},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\"}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"text\",\"text\":\"" + text2001 + "\"}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"video\",\"text\":\"Hi\"}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\"},\"delay\":11}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\"},\"delay\":1.5}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"button\",\"text\":\"Pick\",\"buttons\":["
                        + "{\"type\":\"postback\",\"title\":\"1\",\"payload\":\"1\"},{\"type\":\"postback\",\"title\":\"2\",\"payload\":\"2\"},"
                        + "{\"type\":\"postback\",\"title\":\"3\",\"payload\":\"3\"},{\"type\":\"postback\",\"title\":\"4\",\"payload\":\"4\"}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"button\",\"text\":\"Pick\",\"buttons\":["
                        + "{\"type\":\"web_url\",\"url\":\"ftp://example.com\",\"title\":\"Go\"}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"generic\",\"elements\":[{\"title\":\"only a title\"}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"generic\",\"elements\":[{\"title\":\"" + "t".repeat(81)
                        + "\",\"subtitle\":\"s\"}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"list\",\"elements\":[{\"title\":\"A\",\"subtitle\":\"a\"}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"receipt\",\"recipient_name\":\"Ann\",\"order_number\":\"42\","
                        + "\"currency\":\"EUR\",\"payment_method\":\"Visa\"}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"receipt\",\"recipient_name\":\"Ann\",\"order_number\":\"42\","
                        + "\"currency\":\"EUR\",\"payment_method\":\"Visa\",\"summary\":{\"total_cost\":\"9.99\"}}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\",\"quick_replies\":["
                        + "{\"content_type\":\"text\",\"title\":\"" + "q".repeat(21) + "\",\"payload\":\"Q\"}]}}",
                "{\"page_id\":\"1\",\"recipient\":{\"id\":\"2\"},\"message\":{\"template_type\":\"text\",\"text\":\"Hi\"},\"tag\":\"NOT_A_TAG\"}");
        for (String text : invalid) {
            JsonNode body = JSON.readTree(text);
            assertFalse(VALIDATOR.validate(body.deepCopy()).request().isPresent(), "the send API rejects " + text);
            assertFalse(errors("SendMessageRequest", body).isEmpty(), "the schema rejects " + text);
        }
    }

    @Test
    void everyErrorTheCodeBuildsHasTheDocumentedShape() throws IOException {
        for (ErrorCode code : ErrorCode.values()) {
            HttpApiResponse response = HttpApiResponse.error(code, "a message",
                    List.of(new FieldProblem("message.text", "is required")));
            JsonNode body = JSON.readTree(response.body());
            assertEquals(Set.of(), errors("ErrorResponse", body), code + ": " + body);
        }
        HttpApiResponse unavailable = HttpApiResponse.error(ErrorCode.UNAVAILABLE, "try later");
        assertTrue(Integer.parseInt(unavailable.headers().get("retry-after")) >= 1, "503 carries Retry-After");
        assertFalse(errors("ErrorResponse", JSON.readTree("{\"error\":{\"code\":\"oops\",\"message\":\"m\",\"details\":[]}}")).isEmpty(),
                "only the contract's codes");
    }

    @Test
    void acceptedStatusAndBindingsBodiesValidate() throws IOException {
        assertEquals(Set.of(), errors("SendMessageAccepted",
                JSON.readTree("{\"message_id\":\"01JDQ3Z8M4W0V6T9K2R7C5N1XB\",\"status\":\"queued\",\"warnings\":[]}")));
        assertFalse(errors("SendMessageAccepted", JSON.readTree("{\"message_id\":\"m\",\"status\":\"sent\",\"warnings\":[]}")).isEmpty());

        // error.code is always a string; Facebook's number is graph_code.
        JsonNode failed = JSON.readTree("{\"message_id\":\"m1\",\"status\":\"failed\",\"recipient\":{\"uuid\":\"u\",\"psid\":\"2\"},"
                + "\"attempts\":2,\"created_at\":\"2026-12-01T10:00:00Z\",\"updated_at\":\"2026-12-01T10:00:05Z\","
                + "\"error\":{\"code\":\"graph_error\",\"graph_code\":551,\"subcode\":1545041,\"message\":\"unavailable\",\"retryable\":false},"
                + "\"echoed\":false,\"warnings\":[]}");
        assertEquals(Set.of(), errors("MessageStatus", failed));
        ObjectNode numericCode = failed.deepCopy();
        ((ObjectNode) numericCode.get("error")).put("code", 551);
        assertFalse(errors("MessageStatus", numericCode).isEmpty(), "a numeric error.code is not the documented shape");
        JsonNode sent = JSON.readTree("{\"message_id\":\"m2\",\"status\":\"read\",\"recipient\":{\"id\":\"2\"},\"attempts\":1,"
                + "\"created_at\":\"2026-12-01T10:00:00Z\",\"updated_at\":\"2026-12-01T10:00:09Z\",\"facebook_message_id\":\"m_x\","
                + "\"echoed\":true,\"echoed_at\":\"2026-12-01T10:00:02Z\",\"delivered_at\":\"2026-12-01T10:00:03Z\","
                + "\"read_at\":\"2026-12-01T10:00:09Z\",\"warnings\":[\"list delivered as generic\"]}");
        assertEquals(Set.of(), errors("MessageStatus", sent));
        assertEquals(Set.of(), errors("MessageStatusRequest", eventBody("message-status.json")));

        assertEquals(Set.of(), errors("BindingsRequest", JSON.readTree("{\"page_id\":\"1234567890\",\"bindings\":["
                + "{\"psid\":\"24681357\",\"uuid\":\"8f14e45f\"},{\"psid\":\"24681358\",\"phone\":\"+33612345678\"}]}")));
        assertFalse(errors("BindingsRequest", JSON.readTree("{\"page_id\":\"1\",\"bindings\":[]}")).isEmpty(), "1-100 bindings");
        ObjectNode tooMany = JSON.createObjectNode().put("page_id", "1");
        for (int i = 0; i < 101; i++) {
            tooMany.withArray("bindings").addObject().put("psid", "1").put("uuid", "u" + i);
        }
        assertFalse(errors("BindingsRequest", tooMany).isEmpty(), "1-100 bindings");
        assertEquals(Set.of(), errors("BindingsResult", JSON.readTree("{\"imported\":1,\"rejected\":[{\"index\":1,\"reason\":\"bad phone\"}]}")));
    }

    @Test
    void webhookPayloadsOfEveryKindValidate() throws IOException {
        List<JsonNode> payloads = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("functions/webhook/src/test/resources/ai/joinchat/push/webhook/seeds"))) {
            for (Path file : files.sorted().toList()) {
                payloads.add(JSON.readTree(file.toFile()));
            }
        }
        payloads.add(eventBody("webhook-referral.json"));
        payloads.add(eventBody("webhook-echo.json"));
        assertTrue(payloads.size() >= 10);
        for (JsonNode payload : payloads) {
            assertEquals(Set.of(), errors("WebhookPayload", payload), payload.toString());
        }
    }

    /** Contract section 8: one OpenAPI 3.1 webhook per callback type, with the three Standard Webhooks headers. */
    @Test
    void webhooksAreTheFiveCallbackEventsWithTheirHeadersAndValidExamples() throws IOException {
        Set<String> documented = new TreeSet<>();
        DOCUMENT.path("webhooks").fieldNames().forEachRemaining(documented::add);
        assertEquals(new TreeSet<>(Set.of("message.sent", "message.delivered", "message.read", "message.failed",
                "contact.bound")), documented);
        List<String> checked = new ArrayList<>();
        for (String type : documented) {
            String base = pointer("webhooks", type, "post");
            JsonNode operation = DOCUMENT.at(base);
            assertEquals(Set.of("webhook-id", "webhook-timestamp", "webhook-signature"), headerNames(operation), type);
            assertTrue(operation.at("/responses").has("410"), type + ": 410 stops the retries");
            JsonNode example = operation.at("/requestBody/content/application~1json/example");
            assertEquals(type, example.path("type").asText(), type + "'s example is of its type");
            checkMediaExamples(base + "/requestBody", operation.path("requestBody"), checked);
        }
        assertEquals(5, checked.size(), "examples checked: " + checked);

        JsonNode failed = DOCUMENT.at(pointer("webhooks", "message.failed", "post", "requestBody", "content",
                "application/json", "example"));
        ObjectNode withoutError = failed.deepCopy();
        ((ObjectNode) withoutError.get("data")).remove("error");
        assertFalse(errors("MessageFailedEvent", withoutError).isEmpty(), "message.failed carries its error");
        assertFalse(errors("MessageSentEvent", failed).isEmpty(), "a failed event is not a sent one");
        ObjectNode badSource = DOCUMENT.at(pointer("webhooks", "contact.bound", "post", "requestBody", "content",
                "application/json", "example")).deepCopy();
        ((ObjectNode) badSource.get("data")).put("source", "guess");
        assertFalse(errors("ContactBoundEvent", badSource).isEmpty(), "the sources are the contract's five");
    }

    @Test
    void tagsAreTheOnesTheSendApiKnows() {
        Set<String> documented = new TreeSet<>();
        DOCUMENT.at("/components/schemas/Tag/enum").forEach(tag -> documented.add(tag.asText()));
        assertEquals(new TreeSet<>(TagPolicy.KNOWN_TAGS), documented);
    }

    private static void checkMediaExamples(String at, JsonNode holder, List<String> checked) {
        holder.path("content").fields().forEachRemaining(media -> {
            JsonNode content = media.getValue();
            if (!content.has("schema")) {
                return;
            }
            String schemaAt = at + pointer("content", media.getKey(), "schema");
            JsonSchema schema = SCHEMAS.getSchema(SchemaLocation.of(OPENAPI.toUri() + "#" + schemaAt));
            List<JsonNode> examples = new ArrayList<>();
            if (content.has("example")) {
                examples.add(content.get("example"));
            }
            content.path("examples").forEach(example -> examples.add(example.get("value")));
            for (JsonNode example : examples) {
                assertEquals(Set.of(), schema.validate(example), schemaAt + " example " + example);
                checked.add(schemaAt);
            }
        });
    }

    private static Set<ValidationMessage> errors(String schemaName, JsonNode instance) {
        return SCHEMAS.getSchema(SchemaLocation.of(OPENAPI.toUri() + "#/components/schemas/" + schemaName)).validate(instance);
    }

    private static Set<String> headerNames(JsonNode operation) {
        Set<String> names = new TreeSet<>();
        operation.path("parameters").forEach(parameter -> {
            JsonNode resolved = parameter.has("$ref") ? DOCUMENT.at(parameter.get("$ref").asText().substring(1)) : parameter;
            if ("header".equals(resolved.path("in").asText())) {
                names.add(resolved.get("name").asText());
            }
        });
        return names;
    }

    private static List<JsonNode> requestSeeds() throws IOException {
        List<JsonNode> seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("functions/send-api/src/test/resources/ai/joinchat/push/send/request/seeds"))) {
            for (Path file : files.sorted().toList()) {
                seeds.add(JSON.readTree(file.toFile()));
            }
        }
        return seeds;
    }

    /** The body of one of events/ (API Gateway events for sam local invoke). */
    private static JsonNode eventBody(String event) throws IOException {
        return JSON.readTree(JSON.readTree(ROOT.resolve("events").resolve(event).toFile()).get("body").asText());
    }

    /** A JSON pointer from unescaped tokens. */
    private static String pointer(String... tokens) {
        StringBuilder pointer = new StringBuilder();
        for (String token : tokens) {
            pointer.append('/').append(token.replace("~", "~0").replace("/", "~1"));
        }
        return pointer.toString();
    }

    private static Set<String> intersection(Set<String> a, Set<String> b) {
        Set<String> both = new TreeSet<>(a);
        both.retainAll(b);
        return both;
    }

    private static JsonNode readYaml(Path file) {
        try {
            return new YAMLMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
