package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code Idempotency-Key}s: a page's key names, for 24 h, the one message it stands for, with the
 * hash of the body and the 202 response that message got. A key is written in the same
 * transaction as its message's {@code pending} record, so no record exists for a request that
 * lost the key, and no key points to a record that was never written.
 */
public interface IdempotencyKeys {

    /** What a key holds. */
    record Reservation(String requestHash, String messageId, String responseBody) {
    }

    /**
     * Writes the keys and the pending record together. A request may hold two keys: its
     * {@code Idempotency-Key} and the replay key of its timestamped signature; it must get both.
     *
     * @param keys           the request's keys (at least one)
     * @param previousHolder null to take free (or expired) keys; otherwise the message id a held
     *                       key must still name, to take it over from a message that will never be delivered
     * @return empty when this request now holds the keys (its record is written); otherwise what
     *         the first key held by another message holds, and nothing was written
     * @throws ai.joinchat.push.DependencyUnavailableException when DynamoDB failed (either may have been written)
     */
    Optional<Reservation> claim(String pageId, List<String> keys, Reservation mine, MessageRecord pending,
                                String previousHolder, Instant now, Deadline deadline);
}
