package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.send.MessageAcceptor.Key;
import ai.joinchat.push.send.store.IdempotencyKeys;
import ai.joinchat.push.send.store.IdempotencyKeys.Reservation;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords.Decision;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;

import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;

/**
 * What a keyed request answers when other messages hold its keys, and the answers that are not
 * a plain 202 or 503 (conflict, outcome unknown). Part of {@link MessageAcceptor}'s protocol:
 * a request whose key may stand for a message owed a delivery is never answered 503.
 */
record KeyHolders(MessageRecords records, IdempotencyKeys keys, Clock clock, JsonLogger log, Metrics metrics) {

    /** The answer when other messages hold the request's keys; empty when the key may be taken over. */
    Optional<HttpApiResponse> answer(Map<String, Reservation> holders, Key key, Deadline deadline) {
        if (holders.values().stream().anyMatch(earlier -> !earlier.requestHash().equals(key.requestHash()))) {
            return Optional.of(conflict());
        }
        for (Reservation earlier : new LinkedHashSet<>(holders.values())) {
            Optional<HttpApiResponse> owed = ifOwed(earlier, key, deadline);
            if (owed.isPresent()) {
                return owed;
            }
        }
        if (holders.keySet().stream().anyMatch(key::isReplay)) {
            // A replay of a request whose message is never delivered: its first answer was 503.
            log.info("replay_refused").with("message_id", holders.values().iterator().next().messageId())
                    .with("page_id", key.pageId()).write();
            metrics.count("ReplaysRefused", 1);
            return Optional.of(MessageAcceptor.unavailable());
        }
        return Optional.empty();
    }

    /**
     * This request's own message is never delivered: 503, unless another key's holder answers (202
     * committed, 500 pending). A replay key holding nothing is 500: a replay could still be accepted.
     */
    HttpApiResponse refuse(Key key, String messageId, Deadline deadline) {
        Map<String, Reservation> holders;
        try {
            holders = keys.holders(key.pageId(), key.all(), clock.instant(), deadline);
        } catch (DependencyUnavailableException e) {
            return outcomeUnknown(messageId, Optional.of(key));
        }
        for (String name : key.all()) {
            Reservation holder = holders.get(name);
            if (holder == null && key.isReplay(name)) {
                return outcomeUnknown(messageId, Optional.of(key));
            }
            if (holder == null || holder.messageId().equals(messageId)) {
                continue;
            }
            if (!holder.requestHash().equals(key.requestHash())) {
                return conflict();
            }
            Optional<MessageRecord> record;
            try {
                record = records.find(holder.messageId(), deadline);
            } catch (DependencyUnavailableException e) {
                return outcomeUnknown(holder.messageId(), Optional.of(key));
            }
            MessageStatus status = record.map(MessageRecord::status).orElse(MessageStatus.REJECTED);
            if (status == MessageStatus.PENDING) {
                return outcomeUnknown(holder.messageId(), Optional.of(key));
            }
            if (status.committed()) {
                return replay(holder, key);
            }
        }
        return MessageAcceptor.unavailable();
    }

    /**
     * Its replay when {@code earlier} is owed a delivery, outcome unknown when it cannot be read or
     * rejected in time, empty when it is never delivered. A pending earlier message may have no copy
     * in SQS, so it is rejected now and this request's copy goes instead.
     */
    private Optional<HttpApiResponse> ifOwed(Reservation earlier, Key key, Deadline deadline) {
        try {
            Optional<MessageRecord> record = records.find(earlier.messageId(), deadline);
            if (record.isEmpty() || record.get().status() == MessageStatus.REJECTED) {
                return Optional.empty();
            }
            // If the worker claimed it first (its copy was in SQS), the rejection finds it committed.
            if (record.get().status() == MessageStatus.PENDING && records.reject(earlier.messageId(),
                    record.get().pageId(), clock.instant(), deadline) == Decision.REJECTED) {
                return Optional.empty();
            }
            return Optional.of(replay(earlier, key));
        } catch (DependencyUnavailableException e) {
            return Optional.of(outcomeUnknown(earlier.messageId(), Optional.of(key)));
        }
    }

    private HttpApiResponse replay(Reservation earlier, Key key) {
        log.info("idempotent_replay").with("message_id", earlier.messageId()).with("page_id", key.pageId()).write();
        return MessageAcceptor.accepted(earlier.responseBody());
    }

    private HttpApiResponse conflict() {
        metrics.count("IdempotencyConflicts", 1);
        return HttpApiResponse.error(ErrorCode.IDEMPOTENCY_CONFLICT, "This Idempotency-Key was used with a different body.");
    }

    /** 500: neither a commit nor a rejection could be written, or a key's holder cannot be read. */
    HttpApiResponse outcomeUnknown(String messageId, Optional<Key> key) {
        log.error("send_outcome_unknown").with("message_id", messageId)
                .with("page_id", key.map(Key::pageId).orElse(null)).write();
        metrics.count("SendOutcomeUnknown", 1);
        if (key.isEmpty()) {
            return HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, "The outcome of message " + messageId
                    + " is unknown: it is delivered at most once. POST /api/message_status with this message_id"
                    + " says whether it was; sending it again may deliver it twice.");
        }
        return HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, key.get().idempotencyKey().isPresent()
                ? "The outcome is unknown; retry with the same Idempotency-Key to get exactly one delivery."
                : "The outcome is unknown; send the same signed request again (same timestamp) within 300 s: it"
                        + " answers what became of it and is never delivered twice.");
    }
}
