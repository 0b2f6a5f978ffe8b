package ai.joinchat.push.bench.jmh;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.request.SendRequestValidator.ValidationResult;
import ai.joinchat.push.send.request.TagPolicy;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.webhook.WebhookPayloadParser.WebhookPayload;
import ai.joinchat.push.webhook.WebhookPayloadParser;
import ai.joinchat.push.worker.graph.GraphSendClient;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The in-process work of the request paths, without I/O: the send API's signature check, parse and
 * validation, the worker's Send API mapping, the webhook's signature check and parsing. Run with
 * {@code ./bin/bench --jmh} (adds {@code -prof gc}, so each figure comes with its allocation per
 * operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBenchmarks {

    static final String API_SECRET = "demo-api-secret";
    static final String APP_SECRET = "demo-app-secret";

    static final String TEXT_REQUEST = "{\"page_id\":\"1234567890\",\"recipient\":{\"id\":\"24681357\"},"
            + "\"message\":{\"template_type\":\"text\",\"text\":\"Your order #1234 has shipped and arrives tomorrow.\"}}";

    static final String GENERIC_REQUEST = "{\"page_id\":\"1234567890\",\"recipient\":{\"phone\":\"+1 (555) 010-2030\"},"
            + "\"tag\":\"HUMAN_AGENT\",\"message\":{\"template_type\":\"generic\",\"elements\":["
            + element(1) + "," + element(2) + "," + element(3) + "],"
            + "\"quick_replies\":[{\"content_type\":\"text\",\"title\":\"Yes\",\"payload\":\"YES\"},"
            + "{\"content_type\":\"user_email\"}]}}";

    private static String element(int i) {
        return "{\"title\":\"Hat " + i + "\",\"subtitle\":\"We have the right hat for everyone.\","
                + "\"image_url\":\"https://example.com/hat" + i + ".png\",\"buttons\":["
                + "{\"type\":\"web_url\",\"url\":\"https://example.com/" + i + "\",\"title\":\"View\"},"
                + "{\"type\":\"postback\",\"title\":\"Start\",\"payload\":\"START_" + i + "\"}]}";
    }

    private final SignatureVerifier signatures = new SignatureVerifier();
    private final WebhookSignatureVerifier webhookSignatures = new WebhookSignatureVerifier();
    private final SendRequestValidator validator = new SendRequestValidator(TagPolicy.fromSetting("drop"));
    private WebhookPayloadParser parser;

    private byte[] textBody;
    private byte[] genericBody;
    private String textSignature;
    private List<String> secrets;
    private OutboundMessage genericMessage;
    private byte[] webhookBody;
    private String webhookSignature;

    @Setup
    public void setUp() {
        textBody = TEXT_REQUEST.getBytes(StandardCharsets.UTF_8);
        genericBody = GENERIC_REQUEST.getBytes(StandardCharsets.UTF_8);
        textSignature = signatures.sign(textBody, API_SECRET);
        secrets = List.of(API_SECRET);
        genericMessage = MessageJson.read(null, Json.parse(GENERIC_REQUEST).path("message"));
        webhookBody = WebhookSamples.mixed(100).getBytes(StandardCharsets.UTF_8);
        webhookSignature = webhookSignatures.sign(webhookBody, APP_SECRET);
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        parser = new WebhookPayloadParser(new JsonLogger("bench", JsonLogger.Level.WARN, discard, Clock.systemUTC()));
    }

    /** x-joinchat-signature over a text request: HMAC-SHA256, Base64 decode, constant-time compare. */
    @Benchmark
    public boolean sendSignature() {
        return signatures.verify(textBody, textSignature, secrets);
    }

    /** Parse and validate a text request (the common case). */
    @Benchmark
    public ValidationResult validateText() {
        return validator.validate(Json.parse(textBody).orElseThrow());
    }

    /** Parse and validate a 3-element generic template with buttons and quick replies. */
    @Benchmark
    public ValidationResult validateGeneric() {
        return validator.validate(Json.parse(genericBody).orElseThrow());
    }

    /** The worker's mapping of a generic template to Messenger's Send API message. */
    @Benchmark
    public ObjectNode mapGeneric() {
        return GraphSendClient.toSendApiMessage(genericMessage, "msg-0123456789");
    }

    /** X-Hub-Signature-256 over a 100-event webhook body. */
    @Benchmark
    public boolean webhookSignature100Events() {
        return webhookSignatures.verify(webhookBody, webhookSignature, APP_SECRET);
    }

    /** Parse a 100-event webhook body into typed events. */
    @Benchmark
    public WebhookPayload parseWebhook100Events() {
        return parser.parse(Json.parse(webhookBody).orElseThrow());
    }
}
