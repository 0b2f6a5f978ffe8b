package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;

import java.time.Instant;
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
     * Writes the key and the pending record together.
     *
     * @param previousHolder null to take a free (or expired) key; otherwise the message id the key
     *                       must still name, to take it over from a message that will never be delivered
     * @return empty when this request now holds the key (its record is written); otherwise what
     *         the key holds, and nothing was written
     * @throws ai.joinchat.push.DependencyUnavailableException when DynamoDB failed (either may have been written)
     */
    Optional<Reservation> claim(String pageId, String key, Reservation mine, MessageRecord pending,
                                String previousHolder, Instant now, Deadline deadline);
}
