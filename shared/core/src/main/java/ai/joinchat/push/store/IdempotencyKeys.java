package ai.joinchat.push.store;

import java.time.Instant;
import java.util.Optional;

/**
 * {@code Idempotency-Key} reservations: the first request with a page's key reserves it for 24 h
 * with its body hash and the response it is about to give; later requests read that back.
 */
public interface IdempotencyKeys {

    /** What an earlier request with the same key left. */
    record Reservation(String requestHash, String messageId, String responseBody, boolean completed,
                       Instant createdAt) {
    }

    /**
     * Reserves the key; empty when this request is the first, otherwise the earlier reservation.
     */
    Optional<Reservation> reserve(String pageId, String key, String requestHash, String messageId,
                                  String responseBody, Instant now);

    /** The message was accepted: later requests with the key get its response. */
    void complete(String pageId, String key);

    /** The request failed before anything was accepted: free the key for a retry. */
    void release(String pageId, String key);
}
