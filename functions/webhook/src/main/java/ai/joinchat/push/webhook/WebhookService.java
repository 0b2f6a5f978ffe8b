package ai.joinchat.push.webhook;

import ai.joinchat.push.webhook.WebhookPayloadParser.WebhookPayload;
import ai.joinchat.push.webhook.WebhookEventProcessor.Outcome;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.AppSecrets;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * {@code GET /webhook} (subscription verification) and {@code POST /webhook} (events), contract section 6. A POST is
 * authenticated over the raw body bytes before anything is parsed. A transient failure answers 500 so Facebook
 * retries; an event that can never be stored is skipped and the POST still answers 200.
 */
public record WebhookService(SecretsProvider secrets, WebhookSignatureVerifier signatures, WebhookPayloadParser parser,
                             WebhookEventProcessor processor, JsonLogger log, Metrics metrics) {

    public static final String PATH = "/webhook";
    static final String SIGNATURE_HEADER = "x-hub-signature-256";
    static final String EVENT_RECEIVED = "EVENT_RECEIVED";

    /** Answers {@code request}; every store call of a POST ends by {@code deadline}. */
    public HttpApiResponse handle(HttpApiRequest request, Deadline deadline) {
        if (!PATH.equals(request.path())) {
            return HttpApiResponse.error(ErrorCode.NOT_FOUND, "No such route.");
        }
        try {
            return switch (request.method()) {
                case "GET" -> verify(request);
                case "POST" -> receive(request, deadline);
                default -> HttpApiResponse.error(ErrorCode.METHOD_NOT_ALLOWED, "Use GET or POST.")
                        .withHeader("allow", "GET, POST");
            };
        } catch (DependencyUnavailableException e) {
            log.error("webhook_dependency_unavailable").with("method", request.method())
                    .with("transient", e.isTransient()).with("error_code", e.errorCode()).with(e).write();
            metrics.count("WebhookDependencyFailures", 1);
            return HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, "Temporarily unable to process the request.");
        }
    }

    /** Facebook's subscription handshake: echo {@code hub.challenge} when the verify token matches. */
    private HttpApiResponse verify(HttpApiRequest request) {
        String challenge = request.queryParameter("hub.challenge").orElse("");
        boolean subscribe = request.queryParameter("hub.mode").filter("subscribe"::equals).isPresent();
        if (subscribe && !challenge.isEmpty()) {
            Optional<AppSecrets> app = secrets.appSecrets();
            if (app.isEmpty()) {
                return misconfigured();
            }
            String token = request.queryParameter("hub.verify_token").orElse(null);
            if (WebhookSignatureVerifier.constantTimeEquals(token, app.get().verifyToken())) {
                log.info("webhook_verified").write();
                return HttpApiResponse.text(200, challenge).withHeader("x-content-type-options", "nosniff");
            }
        }
        log.warn("webhook_verification_refused").with("subscribe", subscribe)
                .with("has_challenge", !challenge.isEmpty()).write();
        return HttpApiResponse.error(ErrorCode.FORBIDDEN, "Verification refused.");
    }

    private HttpApiResponse receive(HttpApiRequest request, Deadline deadline) {
        long started = System.nanoTime();
        Optional<String> signature = request.header(SIGNATURE_HEADER).filter(value -> !value.isBlank());
        if (signature.isEmpty()) {
            return rejected(ErrorCode.MISSING_SIGNATURE, "The X-Hub-Signature-256 header is missing.");
        }
        Optional<AppSecrets> app = secrets.appSecrets();
        if (app.isEmpty() || app.get().appSecret() == null) {
            return misconfigured();
        }
        if (!signatures.verify(request.body(), signature.get(), app.get().appSecret())) {
            return rejected(ErrorCode.INVALID_SIGNATURE, "The X-Hub-Signature-256 signature does not match.");
        }
        Optional<JsonNode> body = Json.parse(request.body()).filter(JsonNode::isObject);
        if (body.isEmpty()) {
            log.warn("webhook_invalid_json").with("bytes", request.body().length).write();
            return HttpApiResponse.error(ErrorCode.INVALID_JSON, "The body is not a JSON object.");
        }
        WebhookPayload payload = parser.parse(body.get());
        if (!payload.isPage()) {
            log.info("webhook_ignored").with("object", String.valueOf(payload.object()))
                    .with("entries", payload.entries()).write();
            return HttpApiResponse.text(200, EVENT_RECEIVED);
        }
        Outcome outcome = processor.process(payload.events(), deadline);
        logReceived(payload, outcome, started);
        return HttpApiResponse.text(200, EVENT_RECEIVED);
    }

    /** One summary line and the metrics of a processed batch, and one line per skipped event. */
    private void logReceived(WebhookPayload payload, Outcome outcome, long started) {
        outcome.skipped().forEach(this::logSkipped);
        int skippedEvents = outcome.skipped().size();
        JsonLogger.Entry line = log.info("webhook_received")
                .with("entries", payload.entries())
                .with("events", payload.events().size())
                .with("skipped", payload.skipped() + skippedEvents)
                .withNonZero("skipped_malformed", payload.skipped())
                .withNonZero("skipped_unstorable", skippedEvents);
        payload.countsByKind().forEach((kind, count) -> line.with("events_" + kind.wireName(), count));
        line.with("recorded", outcome.recorded())
                .withNonZero("bindings", outcome.bindings())
                .withNonZero("echoes_matched", outcome.echoesMatched())
                .with("messages_advanced", outcome.messagesAdvanced())
                .withNonZero("refs_refused", outcome.refsRefused())
                .with("duration_ms", (System.nanoTime() - started) / 1_000_000)
                .write();
        metrics.count("WebhookEvents", payload.events().size());
        countNonZero("WebhookBindings", outcome.bindings());
        // Messages this POST moved on; a redelivered receipt moves nothing and counts nothing.
        countNonZero("MessagesDelivered", outcome.messagesAdvanced() - outcome.messagesRead());
        countNonZero("MessagesRead", outcome.messagesRead());
        countNonZero("WebhookEventsSkipped", payload.skipped() + skippedEvents);
        countNonZero("WebhookRefsRefused", outcome.refsRefused());
    }

    /** The rarer counts only when not 0: every panel and alarm reads their Sum, and treats no data as 0. */
    private void countNonZero(String name, int value) {
        if (value > 0) {
            metrics.count(name, value);
        }
    }

    /** One line per skipped event: ids, kind and the error's code and message; never the event's content. */
    private void logSkipped(WebhookRecords.Rejected skipped) {
        RuntimeException failure = skipped.failure();
        log.warn("webhook_event_skipped")
                .with("page_id", skipped.event().pageId())
                .with("kind", skipped.event().kind().wireName())
                .with("event_key", skipped.event().eventKey().map(WebhookService::shortKey).orElse(null))
                .with("reason", "unstorable")
                .with("error_code", failure instanceof DependencyUnavailableException d ? d.errorCode() : null)
                .with(failure)
                .write();
    }

    /** Event keys are ids (or hashes); a pathological mid is cut so the log line stays small. */
    private static String shortKey(String key) {
        return key.length() <= 160 ? key : key.substring(0, 160) + "...";
    }

    private HttpApiResponse rejected(ErrorCode code, String message) {
        log.warn("webhook_signature_rejected").with("reason", code.code()).write();
        metrics.count("WebhookSignatureRejected", 1);
        return HttpApiResponse.error(code, message);
    }

    /** The app secret is missing or not the documented JSON: an operator's problem; Facebook retries meanwhile. */
    private HttpApiResponse misconfigured() {
        log.error("webhook_app_secret_missing").write();
        return HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, "Temporarily unable to process the request.");
    }
}
