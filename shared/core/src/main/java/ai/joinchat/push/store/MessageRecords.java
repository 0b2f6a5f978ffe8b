package ai.joinchat.push.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Delivery records. Every transition is conditional, so at-least-once SQS delivery and
 * Facebook's webhook redelivery cannot move a record backwards or send a message twice.
 * Infrastructure failures throw {@link ai.joinchat.push.DependencyUnavailableException}.
 */
public interface MessageRecords {

    /** Outcome of trying to take a message for sending. */
    enum Claim {
        /** This worker may send it now. */
        CLAIMED,
        /** Facebook already accepted it: acknowledge without sending. */
        ALREADY_SENT,
        /** It already failed permanently: acknowledge without sending. */
        ALREADY_FAILED,
        /** Another worker holds a live lease on it: retry later. */
        IN_FLIGHT,
        /** No record exists. */
        MISSING
    }

    /** Writes a new {@code queued} record; false if the id exists already. */
    boolean create(MessageRecord record);

    void delete(String messageId);

    Optional<MessageRecord> find(String messageId);

    Claim claim(String messageId, Instant now, Duration lease);

    void markSent(String messageId, String pageId, String facebookMessageId, String psid, Instant now);

    /** A transient failure: back to {@code queued} with the error, for SQS to redeliver. */
    void markRetrying(String messageId, DeliveryError error, Instant now);

    void markFailed(String messageId, DeliveryError error, Instant now);

    /** The page's echo carried this message id as metadata; false when unknown or another page's. */
    boolean markEchoed(String pageId, String messageId, Instant at);

    /**
     * Of these ids (echo metadata), the ones that are messages of this page not yet marked echoed,
     * found with batch reads, so that a webhook batch full of other apps' echoes costs a few reads
     * instead of one failed conditional update each. By default every id is a candidate.
     */
    default Set<String> unechoed(String pageId, Collection<String> messageIds) {
        return new LinkedHashSet<>(messageIds);
    }

    /** Delivery receipt listing Facebook message ids; returns how many records moved. */
    int markDelivered(String pageId, Collection<String> facebookMessageIds, Instant at);

    /** Delivery receipt watermark: everything sent to the PSID up to it was delivered. */
    int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at);

    /**
     * A PSID's delivery receipt, with the Facebook message ids and / or the watermark it carries;
     * returns how many records moved. By default both marks; a store that keeps the applied
     * watermark skips a receipt at or below it entirely (mids included: the receipt that set it
     * covered them).
     */
    default int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds,
                                    Long watermarkMillis, Instant at) {
        int moved = facebookMessageIds.isEmpty() ? 0 : markDelivered(pageId, facebookMessageIds, at);
        if (watermarkMillis != null) {
            moved += markDeliveredUpTo(pageId, psid, watermarkMillis, at);
        }
        return moved;
    }

    /** Read receipt watermark: everything sent to the PSID up to it was read. */
    int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at);
}
