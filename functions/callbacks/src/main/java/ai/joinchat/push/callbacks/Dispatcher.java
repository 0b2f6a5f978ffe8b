package ai.joinchat.push.callbacks;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.concurrent.Jitter;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.CallbackSettings;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.CallbackSignature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * The callbacks of contract section 8, in two steps. {@link #announce}: stream records in, events
 * for {@code CallbackQueue} out, for pages whose callbacks want their type; nothing there waits on a
 * developer's endpoint. A deferred or failed page lookup, or a failed queue write, fails the batch
 * from that record on (the event source retries it; events already queued come again with the same
 * id). {@link #dispatch}: {@code CallbackQueue} in, signed POSTs out, the page's settings read again
 * at each try so a changed URL or secret applies to queued events. The POSTs of a batch run
 * concurrently, each within its own timeout, so a hanging endpoint holds only its own events; a page
 * that just timed out is {@code paused} in this container for {@link #PAUSE}: its other events wait
 * in the queue instead of holding invocations. A failed try comes back on {@link #SCHEDULE}; an event
 * too early for its next try goes back for the rest of the wait.
 */
record Dispatcher(SecretsProvider secrets, CallbackPost http, SqsClient sqs, String queueUrl, Duration timeout,
                  Duration maxDelay, Clock clock, JsonLogger log, Metrics metrics, ExecutorService posts,
                  Map<String, Instant> paused) {

    /** When each retry is due, after the first try (Standard Webhooks). */
    static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20),
            Duration.ofHours(24));
    static final Duration PAUSE = Duration.ofSeconds(30);
    static final String USER_AGENT = "joinchat-push-callbacks/1.0";

    /**
     * An event on {@code CallbackQueue}: {@code attempt} 1 is the first try, the retry schedule counts
     * from {@code firstTry}, and a wait for {@code notBefore} past SQS's 15-minute delay takes several trips.
     */
    record QueuedCallback(CallbackEvent event, int attempt, Instant firstTry, Instant notBefore) {

        static QueuedCallback first(CallbackEvent event) {
            return new QueuedCallback(event, 1, null, Instant.EPOCH);
        }

        String toJson() {
            ObjectNode node = Json.object().put("id", event.id()).put("page_id", event.pageId()).put("type", event.type())
                    .put("timestamp", event.timestamp().toString()).put("attempt", attempt)
                    .put("not_before", notBefore.toEpochMilli());
            node.set("data", event.data());
            if (firstTry != null) {
                node.put("first_try", firstTry.toEpochMilli());
            }
            return Json.write(node);
        }

        /** Empty when the body is not one (nothing this function wrote). */
        static Optional<QueuedCallback> fromJson(String body) {
            try {
                JsonNode node = Json.parse(body);
                CallbackEvent event = new CallbackEvent(node.get("id").textValue(), node.get("page_id").textValue(),
                        node.get("type").textValue(), Instant.parse(node.get("timestamp").textValue()), node.get("data"));
                if (event.id() == null || event.pageId() == null || event.type() == null || !event.data().isObject()) {
                    return Optional.empty();
                }
                return Optional.of(new QueuedCallback(event, node.get("attempt").intValue(),
                        node.has("first_try") ? Instant.ofEpochMilli(node.get("first_try").longValue()) : null,
                        Instant.ofEpochMilli(node.path("not_before").longValue())));
            } catch (RuntimeException malformed) {
                return Optional.empty();
            }
        }
    }

    /** The sequence number of the first record not announced (the batch item failure); empty when all were. */
    List<String> announce(List<JsonNode> records) {
        List<QueuedCallback> wanted = new ArrayList<>();
        String failedAt = null;
        for (JsonNode record : records) {
            try {
                Optional<CallbackEvent> event = CallbackEvent.fromStream(record);
                if (event.isPresent() && settings(event.get()).isPresent()) {
                    wanted.add(QueuedCallback.first(event.get()));
                }
            } catch (DependencyUnavailableException e) {
                failedAt = record.path("dynamodb").path("SequenceNumber").asText();
                break;
            } catch (RuntimeException malformed) {
                log.error("unreadable_stream_record").with("event_id", record.path("eventID").asText()).with(malformed)
                        .write();
            }
        }
        try {
            send(wanted);
        } catch (DependencyUnavailableException e) {
            log.error("callback_queue_unavailable").with(e).write();
            failedAt = records.get(0).path("dynamodb").path("SequenceNumber").asText();
        }
        return failedAt == null ? List.of() : List.of(failedAt);
    }

    private void send(List<QueuedCallback> events) {
        for (int from = 0; from < events.size(); from += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = from; i < Math.min(events.size(), from + 10); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .messageBody(events.get(i).toJson()).build());
            }
            SendMessageBatchResponse response = SdkFailures.call("SQS",
                    () -> sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)));
            if (response.hasFailed() && !response.failed().isEmpty()) {
                throw new DependencyUnavailableException("SQS", null);
            }
        }
    }

    /** The page's callback settings when they want the event's type; empty when they do not (or none). */
    private Optional<CallbackSettings> settings(CallbackEvent event) {
        return secrets.pageSecrets(event.pageId()).decided().flatMap(PageSecrets::callbacks)
                .filter(c -> c.events().contains(event.type()));
    }

    /** The SQS message ids to receive again (their page lookup was deferred, or their re-queue failed). */
    List<String> dispatch(List<JsonNode> records) {
        List<String> failures = new ArrayList<>();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (JsonNode record : records) {
            String messageId = record.path("messageId").asText();
            Optional<QueuedCallback> queued = QueuedCallback.fromJson(record.path("body").asText());
            if (queued.isEmpty()) {
                log.error("unreadable_callback").with("sqs_message_id", messageId).write();
                continue;
            }
            running.add(CompletableFuture.runAsync(() -> {
                try {
                    handle(queued.get());
                } catch (DependencyUnavailableException e) {
                    log.warn("callback_deferred").with("webhook_id", queued.get().event().id()).with(e).write();
                    synchronized (failures) {
                        failures.add(messageId);
                    }
                }
            }, posts));
        }
        running.forEach(CompletableFuture::join);
        return failures;
    }

    private void handle(QueuedCallback queued) {
        Instant now = clock.instant();
        CallbackEvent event = queued.event();
        Instant pausedUntil = paused.getOrDefault(event.pageId(), Instant.MIN);
        if (now.isBefore(queued.notBefore()) || now.isBefore(pausedUntil)) {
            requeue(queued.notBefore().isAfter(pausedUntil) ? queued
                    : new QueuedCallback(event, queued.attempt(), queued.firstTry(), pausedUntil), now);
            return;
        }
        Optional<CallbackSettings> settings = settings(event);
        if (settings.isEmpty()) {
            log.info("callback_not_wanted").with("page_id", event.pageId()).with("webhook_id", event.id()).write();
            return;
        }
        byte[] body = event.body();
        long started = System.nanoTime();
        CallbackPost.Outcome outcome = http.post(settings.get().url(), Map.of(
                "webhook-id", event.id(),
                "webhook-timestamp", Long.toString(now.getEpochSecond()),
                "webhook-signature", CallbackSignature.header(event.id(), now.getEpochSecond(), body, settings.get().keys()),
                "Content-Type", "application/json",
                "User-Agent", USER_AGENT), body, timeout);
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (queued.attempt() == 1) {
            metrics.milliseconds("CallbackFirstTryLatency", millis);
        }
        settle(queued, queued.firstTry() == null ? now : queued.firstTry(), outcome, millis);
    }

    private void settle(QueuedCallback queued, Instant firstTry, CallbackPost.Outcome outcome, long millis) {
        CallbackEvent event = queued.event();
        JsonLogger.Entry line = log.info("callback").with("page_id", event.pageId()).with("webhook_id", event.id())
                .with("type", event.type()).with("message_id", event.data().path("message_id").textValue())
                .with("attempt", queued.attempt()).with("duration_ms", millis);
        Optional<Duration> retryAfter = Optional.empty();
        if (outcome instanceof CallbackPost.Outcome.Answered answered) {
            line.with("status", answered.status());
            if (answered.status() / 100 == 2) {
                line.with("outcome", "delivered").write();
                metrics.count("CallbackDelivered", 1);
                return;
            }
            if (answered.status() == 410) {
                drop(line, "gone");
                return;
            }
            retryAfter = answered.retryAfter();
        } else if (outcome instanceof CallbackPost.Outcome.Refused refused) {
            drop(line, refused.reason());
            return;
        } else if (outcome instanceof CallbackPost.Outcome.Unreachable unreachable) {
            line.with("error", unreachable.reason());
            if (unreachable.timedOut()) {
                paused.put(event.pageId(), clock.instant().plus(PAUSE));
            }
        }
        if (queued.attempt() > SCHEDULE.size()) {
            drop(line, "retries_exhausted");
            return;
        }
        Duration wait = SCHEDULE.get(queued.attempt() - 1);
        Instant due = firstTry.plus(wait).plusMillis(Jitter.millis(0, wait.toMillis() / 5));
        if (retryAfter.isPresent() && clock.instant().plus(retryAfter.get()).isAfter(due)) {
            due = clock.instant().plus(retryAfter.get());
        }
        line.with("outcome", "retry").with("next_try", due.toString()).write();
        metrics.count("CallbackRetried", 1);
        requeue(new QueuedCallback(event, queued.attempt() + 1, firstTry, due), clock.instant());
    }

    private void drop(JsonLogger.Entry line, String reason) {
        line.with("outcome", "dropped").with("reason", reason).write();
        metrics.count("CallbackDropped", 1);
    }

    /** Back on the queue, delayed until {@code notBefore} or as long as SQS allows. */
    private void requeue(QueuedCallback queued, Instant now) {
        long seconds = Math.max(0, Math.min(maxDelay.toSeconds(),
                Duration.between(now, queued.notBefore()).toSeconds() + 1));
        SdkFailures.run("SQS", () -> sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(queued.toJson())
                .delaySeconds((int) seconds)));
    }
}
