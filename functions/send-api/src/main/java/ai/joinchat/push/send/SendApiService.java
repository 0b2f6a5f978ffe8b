package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
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
import ai.joinchat.push.send.SignedRequestAuthenticator.AuthenticatedRequest;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.request.SendRequestValidator.ValidationResult;
import ai.joinchat.push.send.request.SendRequestValidator.ValidatedSendRequest;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The send API's routes ({@code /api/bindings} is {@link BindingsImportService}) and the JSON 404/405
 * of every other. A message is answered 202 only as {@link MessageAcceptor} allows.
 */
public record SendApiService(SignedRequestAuthenticator authenticator, SendRequestValidator validator,
                             MessageRecords records, MessageAcceptor acceptor, OutboundQueue queue, Clock clock,
                             Supplier<String> messageIds, JsonLogger log, Metrics metrics,
                             BindingsImportService bindingsImport) {

    public static final String SEND_PATH = "/api/send_message";
    public static final String STATUS_PATH = "/api/message_status";
    static final String RESEND_PATH = "/api/resend_message";
    private static final Set<String> ROUTES = Set.of(SEND_PATH, STATUS_PATH, BindingsImportService.PATH, RESEND_PATH);
    static final String IDEMPOTENCY_HEADER = "idempotency-key";
    /** Clock skew allowed between this function and the worker when a pending record becomes overdue. */
    static final Duration DECISION_MARGIN = Duration.ofSeconds(2);
    /** When a status read settles a still-{@code pending} record failed: many times a copy's life in SQS. */
    static final Duration UNCLAIMED_LIMIT = Duration.ofHours(1);
    static final DeliveryError NOT_ENQUEUED = new DeliveryError("not_enqueued", null,
            "The send API could not confirm that SQS took this message, and no worker ever took it: it is never"
                    + " delivered. Sending it again is safe.", true);
    /** The template's send API timeout, for calls made without a Lambda context. */
    static final Duration DEFAULT_INVOCATION = Duration.ofSeconds(10);

    /** A pending record is overdue shortly after {@code invocationEnd}. */
    public HttpApiResponse handle(HttpApiRequest request, Deadline deadline, Instant invocationEnd) {
        String path = request.path().length() > 1 && request.path().endsWith("/")
                ? request.path().substring(0, request.path().length() - 1) : request.path();
        if (!ROUTES.contains(path)) {
            return HttpApiResponse.error(ErrorCode.NOT_FOUND, "No route " + request.method() + " " + request.path() + ".");
        }
        if (!request.method().equals("POST")) {
            return HttpApiResponse.error(ErrorCode.METHOD_NOT_ALLOWED, path + " accepts POST only.")
                    .withHeader("allow", "POST");
        }
        long started = System.nanoTime();
        try {
            SignedRequestAuthenticator.Outcome outcome = authenticator.authenticate(request);
            if (!(outcome instanceof AuthenticatedRequest auth)) {
                return rejected(((SignedRequestAuthenticator.Rejected) outcome).response(), path);
            }
            return switch (path) {
                case SEND_PATH -> send(request, auth, deadline, invocationEnd);
                case STATUS_PATH -> withMessageId(auth, messageId -> status(auth.pageId(), messageId, deadline));
                case RESEND_PATH -> withMessageId(auth, messageId ->
                        resend(auth.pageId(), messageId, invocationEnd.plus(DECISION_MARGIN), deadline));
                default -> bindingsImport.handle(auth, deadline);
            };
        } catch (DependencyUnavailableException e) {
            log.error("dependency_unavailable").with("path", path).with(e).write();
            metrics.count("DependencyFailures", 1);
            return MessageAcceptor.unavailable();
        } finally {
            metrics.milliseconds("ApiLatency", (System.nanoTime() - started) / 1_000_000);
        }
    }

    private HttpApiResponse send(HttpApiRequest request, AuthenticatedRequest auth, Deadline deadline,
                                 Instant invocationEnd) {
        ValidationResult validation = validator.validate(auth.body());
        Optional<String> idempotencyHeader = request.header(IDEMPOTENCY_HEADER);
        List<FieldProblem> problems = new ArrayList<>(validation.violations());
        if (idempotencyHeader.isPresent() && (idempotencyHeader.get().isEmpty() || idempotencyHeader.get().length() > 255)) {
            problems.add(new FieldProblem("Idempotency-Key", "must be 1-255 characters"));
        }
        if (!problems.isEmpty() || validation.request().isEmpty()) {
            metrics.count("RequestsRejected", 1);
            log.info("request_invalid").with("page_id", auth.pageId()).with("problems", problems.size()).write();
            return HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "The request is invalid.", problems);
        }
        ValidatedSendRequest accepted = validation.request().get();
        String messageId = messageIds.get();
        // The worker treats a record still pending after this as committed: this invocation is over by then.
        MessageAcceptor.Acceptance acceptance = MessageAcceptor.Acceptance.of(accepted, messageId, clock.instant(),
                invocationEnd.plus(DECISION_MARGIN));
        // A timestamped request is its own key, so a replay inside the window answers the first
        // response, whatever Idempotency-Key header a replayer adds (the header is not signed).
        Optional<String> replayKey = auth.replayKey();
        Optional<MessageAcceptor.Key> key = idempotencyHeader.isEmpty() && replayKey.isEmpty() ? Optional.empty()
                : Optional.of(new MessageAcceptor.Key(auth.pageId(), idempotencyHeader, replayKey,
                        Sha256.hex(request.body())));
        String acceptedBody = acceptedBody(messageId, accepted.warnings());
        HttpApiResponse response = acceptor.accept(acceptance, acceptedBody, key, deadline);
        // A replay answers an earlier message's body (logged as idempotent_replay): this one was not accepted.
        if (response.statusCode() == 202 && response.body().equals(acceptedBody)) {
            logAccepted(messageId, accepted);
        }
        return response;
    }

    private static String acceptedBody(String messageId, List<String> warnings) {
        ObjectNode body = Json.object();
        body.put("message_id", messageId);
        body.put("status", "queued");
        ArrayNode array = body.putArray("warnings");
        warnings.forEach(array::add);
        return Json.write(body);
    }

    private void logAccepted(String messageId, ValidatedSendRequest accepted) {
        metrics.count("MessagesAccepted", 1);
        log.info("message_accepted")
                .with("message_id", messageId)
                .with("page_id", accepted.pageId())
                .with("recipient_type", accepted.recipient().type().wireName())
                .with("template_type", accepted.message().templateType())
                .with("messaging_type", accepted.messagingType())
                .with("delay_seconds", accepted.delaySeconds())
                .with("warnings", accepted.warnings().size())
                .write();
    }

    private static HttpApiResponse withMessageId(AuthenticatedRequest auth, Function<String, HttpApiResponse> answer) {
        JsonNode id = auth.body().get("message_id");
        if (id == null || !id.isTextual() || id.asText().isBlank() || id.asText().length() > 128) {
            return HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "The request is invalid.",
                    List.of(new FieldProblem("message_id", "required: the message_id a send answered")));
        }
        return answer.apply(id.asText());
    }

    private HttpApiResponse status(String pageId, String messageId, Deadline deadline) {
        Optional<MessageRecord> record = records.find(messageId, deadline)
                .filter(r -> pageId.equals(r.pageId()));
        if (record.isPresent() && unclaimedTooLong(record.get())) {
            record = failUnclaimed(record.get(), deadline);
        }
        return record.flatMap(SendApiService::statusView)
                .map(body -> HttpApiResponse.json(200, body))
                .orElseGet(() -> HttpApiResponse.error(ErrorCode.MESSAGE_NOT_FOUND, "No such message for this page."));
    }

    /** Its request ended undecided and no worker claimed it by now, so SQS most likely never took it. */
    private boolean unclaimedTooLong(MessageRecord record) {
        return record.status() == MessageStatus.PENDING && record.decideBy() != null
                && clock.instant().isAfter(record.decideBy().plus(UNCLAIMED_LIMIT));
    }

    /** Settles it {@code failed} (racing the worker's claim) and reads it again; on a failure, what was read stands. */
    private Optional<MessageRecord> failUnclaimed(MessageRecord record, Deadline deadline) {
        try {
            records.run(Transition.FAIL_UNCLAIMED, record.messageId(), Inputs.at(clock.instant())
                    .withError(NOT_ENQUEUED), deadline);
            log.warn("message_never_claimed").with("message_id", record.messageId())
                    .with("page_id", record.pageId()).write();
            metrics.count("MessagesNeverClaimed", 1);
            return records.find(record.messageId(), deadline).filter(r -> record.pageId().equals(r.pageId()));
        } catch (DependencyUnavailableException e) {
            log.warn("message_never_claimed").with("message_id", record.messageId())
                    .with("page_id", record.pageId()).with(e).write();
            return Optional.of(record);
        }
    }

    /**
     * A {@code failed} message Facebook surely never took ({@code "resendable": true}) is sent again, same
     * id, new attempt: the unkeyed commit protocol on an existing record. Back to {@code pending} (one
     * conditional write: of two resends one wins), then its kept copy is queued and the worker's claim
     * commits it. If queuing fails it goes back to {@code failed}, unless a worker claimed it first (202).
     */
    private HttpApiResponse resend(String pageId, String messageId, Instant decideBy, Deadline deadline) {
        Instant now = clock.instant();
        Optional<MessageRecords.Resend> taken = records.resend(messageId, pageId, now, decideBy, deadline);
        if (taken.isEmpty()) {
            return refusal(pageId, messageId, deadline);
        }
        try {
            queue.enqueue(QueuedMessage.fromJson(taken.get().queuedCopy()).resent(decideBy), 0, deadline);
        } catch (DependencyUnavailableException e) {
            records.run(Transition.FAIL_UNCLAIMED, messageId, Inputs.at(clock.instant()).withError(taken.get().error()),
                    deadline);
            Optional<MessageStatus> after = records.find(messageId, deadline).map(MessageRecord::status);
            if (after.isEmpty() || after.get() == MessageStatus.FAILED || after.get() == MessageStatus.PENDING) {
                throw e;
            }
        }
        metrics.count("MessagesResent", 1);
        log.info("message_resent").with("message_id", messageId).with("page_id", pageId).write();
        ObjectNode body = Json.object();
        body.put("message_id", messageId);
        body.put("status", "queued");
        return HttpApiResponse.json(202, body);
    }

    /** Why a message its status route shows (or 404 for one it does not) cannot be resent. */
    private HttpApiResponse refusal(String pageId, String messageId, Deadline deadline) {
        Optional<String> status = records.find(messageId, deadline).filter(r -> pageId.equals(r.pageId()))
                .flatMap(SendApiService::statusView).map(view -> view.get("status").asText());
        if (status.isEmpty()) {
            return HttpApiResponse.error(ErrorCode.MESSAGE_NOT_FOUND, "No such message for this page.");
        }
        return HttpApiResponse.error(ErrorCode.NOT_RESENDABLE, status.get().equals("failed")
                ? "This message is failed but not resendable: Facebook may have taken an attempt of it (resending"
                + " could deliver it twice), it cannot be sent as it is, or its last copy is still on its way back"
                + " from the retry queue (message_status says resendable within minutes then)."
                : "This message is " + status.get() + ": only a failed message can be resent.");
    }

    /**
     * The contract's section 4 body of a record: {@code pending} shows as {@code queued}, a {@code rejected}
     * one is no message at all (empty); Facebook's numeric code also travels as {@code graph_code}.
     */
    static Optional<ObjectNode> statusView(MessageRecord record) {
        if (record.status() == MessageStatus.REJECTED || record.recipient() == null) {
            return Optional.empty();
        }
        MessageStatus shown = record.status() == MessageStatus.PENDING ? MessageStatus.QUEUED : record.status();
        ObjectNode node = Json.object();
        node.put("message_id", record.messageId());
        node.put("status", shown.wireName());
        ObjectNode recipient = node.putObject("recipient");
        recipient.put(record.recipient().type().wireName(), record.recipient().value());
        if (record.psid() != null && !"id".equals(record.recipient().type().wireName())) {
            recipient.put("psid", record.psid());
        }
        node.put("attempts", record.attempts());
        node.put("created_at", record.createdAt().toString());
        node.put("updated_at", record.updatedAt().toString());
        putIfPresent(node, "facebook_message_id", record.facebookMessageId());
        if (record.error() != null) {
            record.error().writeTo(node.putObject("error"));
        }
        if (shown == MessageStatus.FAILED) {
            node.put("resendable", record.resendable());
        }
        node.put("echoed", record.echoedAt() != null);
        putIfPresent(node, "echoed_at", record.echoedAt());
        putIfPresent(node, "delivered_at", record.deliveredAt());
        putIfPresent(node, "read_at", record.readAt());
        ArrayNode w = node.putArray("warnings");
        record.warnings().forEach(w::add);
        return Optional.of(node);
    }

    /** An optional field of the view is absent when unset, never JSON null. */
    private static void putIfPresent(ObjectNode node, String name, Object value) {
        if (value != null) {
            node.put(name, value.toString());
        }
    }

    private HttpApiResponse rejected(HttpApiResponse response, String path) {
        if (response.statusCode() == 401) {
            metrics.count("SignatureRejected", 1);
        } else if (response.statusCode() == 503) {
            metrics.count("SecretLookupsDeferred", 1);
        }
        log.info("request_rejected").with("path", path).with("status", response.statusCode()).write();
        return response;
    }
}
