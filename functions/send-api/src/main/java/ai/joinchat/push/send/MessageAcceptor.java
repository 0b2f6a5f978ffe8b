package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.send.request.SendRequestValidator.ValidatedSendRequest;
import ai.joinchat.push.send.store.IdempotencyKeys;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords.Decision;
import ai.joinchat.push.store.MessageRecords;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The send API's commit protocol: what makes a 202 mean "delivered exactly once, or failed with
 * the reason" and a 503 mean "never delivered", whatever fails and whichever reply is lost.
 * Two sequences share every step; only a key ({@code Idempotency-Key}, or a timestamped
 * signature's replay key) makes the order matter:
 *
 * <pre>
 *  step                 without a key                     with a key
 *  1 pending record     records.createPending --+         keys.claim: keys + record, one transaction
 *  2 SQS copy           queue.enqueue ----------+ at once queue.enqueue, after 1
 *  3 commit (queued)    none: the worker's claim commits  records.commit, after 2
 *  202                  when 1 and 2 succeeded            when 3 found the record pending
 *  any step failed      abandon: records.reject (retried for REJECT_PATIENCE), then 503
 *                       (or 202 if the reject finds the record committed, or claimed by the worker);
 *                       neither written in time: 500, never a guess
 * </pre>
 *
 * <p>Without a key nobody can ask about the message again, so the worker may send a pending record
 * as soon as it holds its copy. With a key, a repeat must find the key before SQS holds a second
 * copy: hence the order and the commit. The keyed sequence costs a key-less send 1.4x at p50
 * (docs/performance.md), so it keeps its one round trip. A key held by another message:
 * {@link KeyHolders} answers.
 */
record MessageAcceptor(MessageRecords records, IdempotencyKeys keys, OutboundQueue queue, ExecutorService executor,
                       Clock clock, JsonLogger log, Metrics metrics, KeyHolders holders) {

    private static final int TAKEOVER_ATTEMPTS = 3;
    /** How long a rejection is retried before the outcome is declared unknown. */
    static final Duration REJECT_PATIENCE = Duration.ofSeconds(3);
    /** The first pause between two tries of a write (then doubled, up to 16 times as long). */
    private static final Duration FIRST_PAUSE = Duration.ofMillis(50);

    record Acceptance(MessageRecord record, QueuedMessage queued, int delaySeconds) {

        static Acceptance of(ValidatedSendRequest request, String messageId, Instant now, Instant decideBy) {
            MessageRecord record = MessageRecord.pending(messageId, request.pageId(), request.recipient(),
                    request.message().templateType(), request.warnings(), now, decideBy);
            QueuedMessage queued = new QueuedMessage(messageId, request.pageId(), request.recipient(),
                    request.message(), request.messagingType(), request.tag(), request.warnings(), now, decideBy,
                    null, null, null);
            return new Acceptance(record, queued, request.delaySeconds());
        }
    }

    /** A request's {@code Idempotency-Key} and / or its timestamped signature's replay key. */
    record Key(String pageId, Optional<String> idempotencyKey, Optional<String> replayKey, String requestHash) {

        List<String> all() {
            return Stream.of(idempotencyKey, replayKey).flatMap(Optional::stream).toList();
        }

        boolean isReplay(String key) {
            return replayKey.isPresent() && replayKey.get().equals(key);
        }
    }

    /** {@code accepted} is the 202 body this message gets. */
    HttpApiResponse accept(Acceptance acceptance, String accepted, Optional<Key> key, Deadline deadline) {
        return key.isPresent() ? acceptWithKey(acceptance, accepted, key.get(), deadline)
                : acceptWithoutKey(acceptance, accepted, deadline);
    }

    private HttpApiResponse acceptWithoutKey(Acceptance acceptance, String accepted, Deadline deadline) {
        MessageRecord record = acceptance.record();
        CompletableFuture<Void> enqueued = CompletableFuture.runAsync(
                () -> queue.enqueue(acceptance.queued(), acceptance.delaySeconds(), deadline), executor);
        RuntimeException recordFailure = null;
        try {
            records.createPending(record, deadline);
        } catch (DependencyUnavailableException e) {
            recordFailure = e;
        }
        RuntimeException queueFailure = await(enqueued, deadline);
        if (recordFailure != null && SdkFailures.certainlyNotApplied(recordFailure)) {
            // No record exists and none will: the worker drops whatever SQS holds of it.
            logFailure(record, recordFailure);
            return unavailable();
        }
        if (recordFailure != null || queueFailure != null) {
            return abandon(record, recordFailure != null ? recordFailure : queueFailure, accepted, Optional.empty(),
                    deadline);
        }
        return accepted(accepted);
    }

    private HttpApiResponse acceptWithKey(Acceptance acceptance, String accepted, Key key, Deadline deadline) {
        MessageRecord mine = acceptance.record();
        IdempotencyKeys.Reservation reservation =
                new IdempotencyKeys.Reservation(key.requestHash(), mine.messageId(), accepted);
        Optional<String> previousHolder = Optional.empty();
        for (int attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
            IdempotencyKeys.Claim claim;
            Map<String, IdempotencyKeys.Reservation> held;
            try {
                claim = keys.claim(key.all(), reservation, mine, previousHolder, clock.instant(), deadline);
            } catch (DependencyUnavailableException e) {
                return abandon(mine, e, accepted, Optional.of(key), deadline); // it may have landed: reject ours
            }
            if (claim instanceof IdempotencyKeys.Claim.Won) {
                logTakeover(previousHolder, mine, key);
                return enqueueAndCommit(acceptance, accepted, key, deadline);
            }
            try {
                // Nothing written (Held, or NotWritten: a concurrent claim, throttling): the holders decide.
                held = new LinkedHashMap<>(claim instanceof IdempotencyKeys.Claim.Held h ? h.holders()
                        : keys.holders(key.pageId(), key.all(), clock.instant(), deadline));
            } catch (DependencyUnavailableException e) {
                return holders.outcomeUnknown(mine.messageId(), Optional.of(key)); // an owed holder is not ruled out
            }
            // Not this request's own message: its own earlier try may have landed.
            held.values().removeIf(holder -> holder.messageId().equals(mine.messageId()));
            if (held.isEmpty()) {
                pause(attempt, deadline);
                continue; // free: claim them again
            }
            Optional<HttpApiResponse> answer = holders.answer(held, key, deadline);
            if (answer.isPresent()) {
                return answer.get();
            }
            previousHolder = Optional.of(held.values().iterator().next().messageId()); // never delivered: take it over
        }
        // Out of attempts (the keys kept changing hands), nothing of ours written: the keys say if 503 is safe.
        return holders.refuse(key, mine.messageId(), deadline);
    }

    private void logTakeover(Optional<String> previousHolder, MessageRecord mine, Key key) {
        previousHolder.ifPresent(previous -> log.info("idempotency_key_taken_over").with("message_id", mine.messageId())
                .with("previous_message_id", previous).with("page_id", key.pageId()).write());
    }

    private HttpApiResponse enqueueAndCommit(Acceptance acceptance, String accepted, Key key, Deadline deadline) {
        MessageRecord mine = acceptance.record();
        Decision decision;
        try {
            queue.enqueue(acceptance.queued(), acceptance.delaySeconds(), deadline);
            decision = records.commit(mine.messageId(), deadline);
        } catch (DependencyUnavailableException e) {
            return abandon(mine, e, accepted, Optional.of(key), deadline);
        }
        if (decision == Decision.REJECTED) {
            return takenOver(mine, key, deadline);
        }
        return accepted(accepted);
    }

    /**
     * Only another request with the same key rejects a record before its commit, to take the key
     * over; that one may be owed a delivery, so this one is never answered 503.
     */
    private HttpApiResponse takenOver(MessageRecord mine, Key key, Deadline deadline) {
        logRejected(mine, "commit");
        HttpApiResponse byKeys = holders.refuse(key, mine.messageId(), deadline);
        return byKeys.statusCode() == 503 ? holders.outcomeUnknown(mine.messageId(), Optional.of(key)) : byKeys;
    }

    /** Something failed before the commit: reject the record so the message is never delivered. */
    private HttpApiResponse abandon(MessageRecord record, RuntimeException cause, String accepted, Optional<Key> key,
                                    Deadline deadline) {
        logFailure(record, cause);
        Optional<Decision> decision = rejectByDeadline(record, deadline);
        if (decision.isEmpty()) {
            // Neither written: pending (delivered if SQS took it), committed or rejected. Say so, never guess.
            return holders.outcomeUnknown(record.messageId(), key);
        }
        if (decision.get() == Decision.COMMITTED) {
            return accepted(accepted);
        }
        logRejected(record, "reject");
        return key.isPresent() ? holders.refuse(key.get(), record.messageId(), deadline) : unavailable();
    }

    private void logFailure(MessageRecord record, RuntimeException cause) {
        log.warn("send_failed").with("message_id", record.messageId()).with("page_id", record.pageId())
                .with(cause).write();
        metrics.count("DependencyFailures", 1);
    }

    private void logRejected(MessageRecord record, String step) {
        log.info("message_rejected").with("message_id", record.messageId()).with("page_id", record.pageId())
                .with("step", step).write();
        metrics.count("MessagesRejected", 1);
    }

    private Optional<Decision> rejectByDeadline(MessageRecord record, Deadline deadline) {
        Deadline patience = Deadline.in(REJECT_PATIENCE);
        for (int attempt = 0; !deadline.expired() && !patience.expired(); attempt++) {
            try {
                return Optional.of(records.reject(record.messageId(), record.pageId(), clock.instant(), deadline));
            } catch (DependencyUnavailableException e) {
                pause(attempt, deadline);
            }
        }
        return Optional.empty();
    }

    private static RuntimeException await(CompletableFuture<Void> future, Deadline deadline) {
        try {
            future.get(Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS);
            return null;
        } catch (TimeoutException e) {
            future.cancel(true);
            return new DependencyUnavailableException("SQS", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DependencyUnavailableException("SQS", e);
        } catch (ExecutionException e) {
            return e.getCause() instanceof RuntimeException r ? r : new DependencyUnavailableException("SQS", e.getCause());
        }
    }

    private static void pause(int attempt, Deadline deadline) {
        long millis = Math.min(SdkFailures.backoff(FIRST_PAUSE, attempt + 1).toMillis(),
                Math.max(0, deadline.remaining().toMillis()));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static HttpApiResponse accepted(String body) {
        return new HttpApiResponse(202, Map.of("content-type", "application/json"), body);
    }

    static HttpApiResponse unavailable() {
        return HttpApiResponse.error(ErrorCode.UNAVAILABLE, "A dependency is unavailable; nothing was accepted. Retry later.");
    }
}
