package ai.joinchat.push.send;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.request.SendRequestValidator;
import ai.joinchat.push.request.ValidatedSendRequest;
import ai.joinchat.push.request.ValidationResult;
import ai.joinchat.push.request.Violation;
import ai.joinchat.push.store.IdempotencyKeys;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@code POST /api/send_message} and {@code POST /api/message_status} ({@code POST /api/bindings}
 * is {@link BindingsImportService}), plus the JSON 404/405 of
 * every other route the API's {@code $default} route sends here. A message is answered 202 only
 * once its record exists and SQS accepted it; any failure on the way undoes what was written.
 */
public final class SendApiService {

    public static final String SEND_PATH = "/api/send_message";
    public static final String STATUS_PATH = "/api/message_status";
    static final String IDEMPOTENCY_HEADER = "idempotency-key";

    private final SignedRequestAuthenticator authenticator;
    private final SendRequestValidator validator;
    private final MessageRecords records;
    private final IdempotencyKeys idempotencyKeys;
    private final OutboundQueue queue;
    private final Clock clock;
    private final Supplier<String> messageIds;
    private final JsonLogger log;
    private final Metrics metrics;
    private final BindingsImportService bindingsImport;

    public SendApiService(SignedRequestAuthenticator authenticator, SendRequestValidator validator,
                          MessageRecords records, IdempotencyKeys idempotencyKeys, OutboundQueue queue,
                          Clock clock, Supplier<String> messageIds, JsonLogger log, Metrics metrics,
                          BindingsImportService bindingsImport) {
        this.authenticator = authenticator;
        this.validator = validator;
        this.records = records;
        this.idempotencyKeys = idempotencyKeys;
        this.queue = queue;
        this.clock = clock;
        this.messageIds = messageIds;
        this.log = log;
        this.metrics = metrics;
        this.bindingsImport = bindingsImport;
    }

    /** Message ids: random UUIDs, unique without coordination. */
    public static String newMessageId() {
        return UUID.randomUUID().toString();
    }

    public HttpApiResponse handle(HttpApiRequest request) {
        String path = request.path().length() > 1 && request.path().endsWith("/")
                ? request.path().substring(0, request.path().length() - 1) : request.path();
        if (!path.equals(SEND_PATH) && !path.equals(STATUS_PATH) && !path.equals(BindingsImportService.PATH)) {
            return HttpApiResponse.error(ErrorCode.NOT_FOUND, "No route " + request.method() + " " + request.path() + ".");
        }
        if (!request.method().equals("POST")) {
            return HttpApiResponse.error(ErrorCode.METHOD_NOT_ALLOWED, path + " accepts POST only.")
                    .withHeader("allow", "POST");
        }
        long started = System.nanoTime();
        try {
            if (path.equals(BindingsImportService.PATH)) {
                return bindingsImport.handle(request);
            }
            return path.equals(SEND_PATH) ? send(request) : status(request);
        } catch (DependencyUnavailableException e) {
            log.error("dependency_unavailable").with("path", path).with(e).write();
            metrics.count("DependencyFailures", 1);
            return HttpApiResponse.error(ErrorCode.UNAVAILABLE, "A dependency is unavailable; nothing was accepted. Retry later.");
        } finally {
            metrics.milliseconds("ApiLatency", (System.nanoTime() - started) / 1_000_000);
        }
    }

    private HttpApiResponse send(HttpApiRequest request) {
        SignedRequestAuthenticator.Outcome auth = authenticator.authenticate(request);
        if (auth.rejection() != null) {
            return rejected(auth.rejection(), request);
        }
        String pageId = auth.request().pageId();
        ValidationResult validation = validator.validate(auth.request().body());
        Optional<String> idempotencyKey = request.header(IDEMPOTENCY_HEADER);
        List<FieldProblem> problems = new ArrayList<>(validation.violations().stream()
                .map(SendApiService::problem).toList());
        if (idempotencyKey.isPresent() && (idempotencyKey.get().isEmpty() || idempotencyKey.get().length() > 255)) {
            problems.add(new FieldProblem("Idempotency-Key", "must be 1-255 characters"));
        }
        if (!problems.isEmpty() || validation.request().isEmpty()) {
            metrics.count("RequestsRejected", 1);
            log.info("request_invalid").with("page_id", pageId).with("problems", problems.size()).write();
            return HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "The request is invalid.", problems);
        }
        ValidatedSendRequest accepted = validation.request().get();

        Instant now = clock.instant();
        String messageId = messageIds.get();
        ObjectNode responseBody = Json.object();
        responseBody.put("message_id", messageId);
        responseBody.put("status", "queued");
        ArrayNode warnings = responseBody.putArray("warnings");
        accepted.warnings().forEach(warnings::add);
        String response = Json.write(responseBody);

        if (idempotencyKey.isPresent()) {
            Optional<HttpApiResponse> earlier = reserve(pageId, idempotencyKey.get(), sha256(request.body()), messageId,
                    response, now);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        try {
            records.create(MessageRecord.queued(messageId, pageId, accepted.recipient().type().wireName(),
                    accepted.recipient().value(), accepted.templateType(), accepted.warnings(), now));
            try {
                queue.enqueue(new QueuedMessage(messageId, pageId, accepted.recipient().type().wireName(),
                        accepted.recipient().value(), accepted.templateType(), accepted.message(),
                        accepted.messagingType(), accepted.tag(), accepted.warnings(), now.toString()),
                        accepted.delaySeconds());
            } catch (DependencyUnavailableException e) {
                undo(() -> records.delete(messageId));
                throw e;
            }
        } catch (DependencyUnavailableException e) {
            idempotencyKey.ifPresent(key -> undo(() -> idempotencyKeys.release(pageId, key)));
            throw e;
        }
        idempotencyKey.ifPresent(key -> undo(() -> idempotencyKeys.complete(pageId, key)));

        metrics.count("MessagesAccepted", 1);
        log.info("message_accepted")
                .with("message_id", messageId)
                .with("page_id", pageId)
                .with("recipient_type", accepted.recipient().type().wireName())
                .with("template_type", accepted.templateType())
                .with("messaging_type", accepted.messagingType())
                .with("delay_seconds", accepted.delaySeconds())
                .with("warnings", accepted.warnings().size())
                .write();
        return new HttpApiResponse(202, Map.of("content-type", "application/json"), response);
    }

    /** Empty when this request holds the key now; otherwise the answer owed to the repeat. */
    private Optional<HttpApiResponse> reserve(String pageId, String key, String hash, String messageId,
                                              String response, Instant now) {
        for (int attempt = 0; attempt < 2; attempt++) {
            Optional<IdempotencyKeys.Reservation> earlier = idempotencyKeys.reserve(pageId, key, hash, messageId, response, now);
            if (earlier.isEmpty()) {
                return Optional.empty();
            }
            IdempotencyKeys.Reservation reservation = earlier.get();
            if (!reservation.requestHash().equals(hash)) {
                metrics.count("IdempotencyConflicts", 1);
                return Optional.of(HttpApiResponse.error(ErrorCode.IDEMPOTENCY_CONFLICT,
                        "This Idempotency-Key was used with a different body."));
            }
            if (reservation.completed() || records.find(reservation.messageId()).isPresent()) {
                log.info("idempotent_replay").with("message_id", reservation.messageId()).with("page_id", pageId).write();
                return Optional.of(new HttpApiResponse(202, Map.of("content-type", "application/json"),
                        reservation.responseBody()));
            }
            if (reservation.createdAt() != null && reservation.createdAt().isAfter(now.minusSeconds(30))) {
                return Optional.of(HttpApiResponse.error(ErrorCode.UNAVAILABLE,
                        "A request with this Idempotency-Key is still being processed. Retry later."));
            }
            // Abandoned by a request that died before accepting anything: take the key over.
            idempotencyKeys.release(pageId, key);
        }
        return Optional.of(HttpApiResponse.error(ErrorCode.UNAVAILABLE,
                "A request with this Idempotency-Key is still being processed. Retry later."));
    }

    /**
     * SnapStart priming: validates and serialises a sample message and answers a 404, so the
     * classes of the request path are loaded into the snapshot. No network, nothing written.
     */
    public void primeWithoutNetwork() {
        JsonNode sample = Json.parse("{\"page_id\":\"1\",\"recipient\":{\"phone\":\"+1 555 0100 200\"},"
                + "\"message\":{\"template_type\":\"generic\",\"elements\":[{\"title\":\"t\",\"subtitle\":\"s\","
                + "\"buttons\":[{\"type\":\"postback\",\"title\":\"b\",\"payload\":{\"block_id\":\"1\"}}]}],"
                + "\"quick_replies\":[{\"content_type\":\"user_email\"}]},\"tag\":\"ACCOUNT_UPDATE\",\"delay\":\"1\"}");
        ValidatedSendRequest request = validator.validate(sample).request()
                .orElseThrow(() -> new IllegalStateException("the priming sample is not a valid request"));
        new QueuedMessage("m", request.pageId(), request.recipient().type().wireName(), request.recipient().value(),
                request.templateType(), request.message(), request.messagingType(), request.tag(), request.warnings(),
                "t").toJson();
        handle(new HttpApiRequest("GET", "/priming", Map.of(), Map.of(), new byte[0]));
    }

    private HttpApiResponse status(HttpApiRequest request) {
        SignedRequestAuthenticator.Outcome auth = authenticator.authenticate(request);
        if (auth.rejection() != null) {
            return rejected(auth.rejection(), request);
        }
        JsonNode id = auth.request().body().get("message_id");
        if (id == null || !id.isTextual() || id.asText().isBlank() || id.asText().length() > 128) {
            return HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "The request is invalid.",
                    List.of(new FieldProblem("message_id", "required: the message_id a send answered")));
        }
        return records.find(id.asText())
                .filter(record -> record.pageId().equals(auth.request().pageId()))
                .map(record -> HttpApiResponse.json(200, record.toStatusJson()))
                .orElseGet(() -> HttpApiResponse.error(ErrorCode.MESSAGE_NOT_FOUND, "No such message for this page."));
    }

    private HttpApiResponse rejected(HttpApiResponse response, HttpApiRequest request) {
        if (response.statusCode() == 401) {
            metrics.count("SignatureRejected", 1);
        }
        log.info("request_rejected").with("path", request.path()).with("status", response.statusCode()).write();
        return response;
    }

    private void undo(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn("cleanup_failed").with(e).write();
        }
    }

    private static FieldProblem problem(Violation violation) {
        return new FieldProblem(violation.field(), violation.reason());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
