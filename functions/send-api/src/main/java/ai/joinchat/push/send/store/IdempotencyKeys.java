package ai.joinchat.push.send.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.store.MessageRecord;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code Idempotency-Key}s and replay keys: a page's key names, for 24 h, the one message it stands
 * for, with the hash of the body and the 202 response that message got. A key is written in the
 * same transaction as its message's {@code pending} record, so no record exists for a request that
 * lost the key, and no key points to a record that was never written.
 */
public interface IdempotencyKeys {

    record Reservation(String requestHash, String messageId, String responseBody) {
    }

    sealed interface Claim {
        /** This request holds every key now, and its pending record is written. */
        record Won() implements Claim {
        }

        /** Other messages hold these keys (in the request's order, each with what it holds); nothing was written. */
        record Held(Map<String, Reservation> holders) implements Claim {
        }

        /** Nothing was written, and who holds the keys is not known (a concurrent claim, throttling). */
        record NotWritten() implements Claim {
        }
    }

    /**
     * Writes the keys (all or none) of {@code pending}'s page and the pending record together. A held
     * key is taken over only from {@code previousHolder}, the never-delivered message it must still
     * name. Throws DependencyUnavailableException when the transaction may have been written.
     */
    Claim claim(List<String> keys, Reservation mine, MessageRecord pending, Optional<String> previousHolder,
                Instant now, Deadline deadline);

    /** What the keys hold now, read consistently: a key that is free (or expired) is absent. */
    Map<String, Reservation> holders(String pageId, List<String> keys, Instant now, Deadline deadline);
}
