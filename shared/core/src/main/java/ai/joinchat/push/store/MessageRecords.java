package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Delivery records. Every transition is one conditional write, so at-least-once SQS delivery,
 * lost replies and Facebook's webhook redelivery cannot move a record backwards, deliver a
 * message the send API did not commit, or send a message twice. Every write is safe to repeat
 * after a lost reply. Infrastructure failures throw
 * {@link ai.joinchat.push.DependencyUnavailableException}.
 *
 * <p>The legal moves, each a method here: {@link #createPending} → {@link #commit} or
 * {@link #reject} (send API), {@link #failUnclaimed} (a status read, long after); {@link #claim} → {@link #markSent}, {@link #markRetrying},
 * {@link #markUnknown} or {@link #markFailed} (worker); {@link #confirmByEcho}, {@link #recordEcho}
 * and the receipts (webhook). {@link Lifecycle} declares each move as data.
 */
public interface MessageRecords {

    /** The send API's commit decision as the store settled it. */
    enum Decision {
        /** The message is owed a delivery (queued, or already taken further by the worker). */
        COMMITTED,
        /** The message is never delivered. */
        REJECTED
    }

    /** Outcome of trying to take a message for sending. */
    sealed interface Claim {
        /** This worker may send it now; {@code unconfirmedBefore} when an earlier attempt's outcome is unknown. */
        record Claimed(int attempt, boolean unconfirmedBefore) implements Claim {
        }

        /** Sent (or later), or failed: acknowledge without sending. */
        record Settled(MessageStatus status) implements Claim {
        }

        /** Another attempt holds a live lease on it until then. */
        record Busy(Instant leaseUntil) implements Claim {
        }

        /** No record yet: the send API may still be writing it until then. */
        record Undecided(Instant decideBy) implements Claim {
        }

        /** The send API rejected it (answered 503), or it never got a record: never deliver. */
        record Dropped(String reason) implements Claim {
        }
    }

    /**
     * Writes the {@code pending} record. Repeating it (a lost reply retried) is harmless: message
     * ids are unique, so an existing record with this id is this one.
     */
    void createPending(MessageRecord pending, Deadline deadline);

    /** {@code pending} → {@code queued}; answers how the record stands afterwards. */
    Decision commit(String messageId, Deadline deadline);

    /**
     * {@code pending} (or no record at all) → {@code rejected}, so a message SQS may hold is never
     * delivered; answers {@link Decision#COMMITTED} instead when the record was committed first.
     */
    Decision reject(String messageId, String pageId, Instant now, Deadline deadline);

    Optional<MessageRecord> find(String messageId, Deadline deadline);

    default Optional<MessageRecord> find(String messageId) {
        return find(messageId, Deadline.none());
    }

    /**
     * Takes a message for sending: a {@code queued} or {@code pending} record (the worker holds
     * its SQS copy, so SQS took it: only a rejection, which this claim races, could stop it), or a
     * {@code sending} one whose lease has run out. {@code absentDecideBy} is the queued message's
     * decision time: until then a missing record may still be being written.
     */
    Claim claim(String messageId, Instant now, Duration lease, Instant absentDecideBy, Deadline deadline);

    /**
     * Facebook took the message: {@code sent}, with its Facebook message id and PSID.
     * {@code sendStartedAt} is when the Send API call that delivered it started: until the page's
     * echo brings Facebook's own timestamp of the message ({@link #stampByEcho}), it stands for
     * that timestamp in the receipts' comparisons with watermarks (contract section 6: Facebook
     * cannot have stamped the message earlier).
     */
    void markSent(String messageId, String pageId, String facebookMessageId, String psid, Instant sendStartedAt,
                  Instant now, Deadline deadline);

    /** A transient failure before Facebook could have taken it: back to {@code queued} with the error. */
    void markRetrying(String messageId, DeliveryError error, Instant now, Deadline deadline);

    /**
     * The Send API call's outcome is unknown (timed out or cut after the request was written):
     * stays {@code sending} with the error and its lease released, so the page's echo can confirm
     * it and the next attempt sends again only if nothing did.
     */
    void markUnknown(String messageId, DeliveryError error, Instant now, Deadline deadline);

    void markFailed(String messageId, DeliveryError error, Instant now, Deadline deadline);

    /** As {@link #markFailed}, keeping the queued copy: Facebook surely never took any attempt of it. */
    void markFailedResendable(String messageId, DeliveryError error, String queuedCopy, Instant now, Deadline deadline);

    /** A claim took over an expired lease: the attempt it replaces had an unknown outcome. */
    void flagUnconfirmed(String messageId, Instant now, Deadline deadline);

    /**
     * {@code failed} (resendable, this page's) → {@code pending} until {@code decideBy}: its queued
     * copy and the error it failed with, or empty when the record is not resendable (anymore).
     */
    Optional<Resend> resend(String messageId, String pageId, Instant now, Instant decideBy, Deadline deadline);

    /** A failed message taken for resending: its queued copy (JSON) and why it had failed. */
    record Resend(String queuedCopy, DeliveryError error) {
    }

    /**
     * {@code pending} → {@code failed}, only from {@code pending}: a record no worker ever claimed,
     * long after its send API invocation ended without a decision (its commit and its rejection
     * both failed). The write races the worker's claim: whichever lands first decides, so the
     * record never says {@code failed} about a message that is sent, nor {@code queued} for ever
     * about one no worker holds.
     */
    void failUnclaimed(String messageId, DeliveryError error, Instant now, Deadline deadline);

    /**
     * The page's echo carried this message id as metadata, so Facebook took it: a {@code queued},
     * {@code sending} or {@code failed} record (an unknown outcome may have left it so) becomes
     * {@code sent} with the echo's {@code mid}. False when it was not in one of those states (sent
     * already, unknown, another page's, never committed). The echo itself is recorded next to the
     * message ({@link #recordEcho}) after this.
     */
    boolean confirmByEcho(String pageId, String messageId, String facebookMessageId, String psid, Instant at,
                          Deadline deadline);

    /**
     * The page's echo of a message recorded {@code sent} (or {@code delivered}) carries Facebook's
     * timestamp of it, {@code facebookTime}: it replaces the Send API call's start as the time the
     * receipts' watermarks are compared with. False when the message no longer awaits a receipt
     * (read) or is not this page's. ({@link #confirmByEcho} stamps the messages it confirms itself.)
     */
    boolean stampByEcho(String pageId, String messageId, Instant facebookTime, Deadline deadline);

    /**
     * What an echo carrying the id of one of this page's messages finds: the message's status
     * ({@code null} when the store cannot tell) and whether its echo is recorded already.
     */
    record EchoTarget(MessageStatus status, boolean echoRecorded) {
    }

    /**
     * Of these ids (echo metadata), the ones that are messages of this page, found with batch
     * reads, so that a webhook batch full of other apps' echoes costs a few reads instead of a
     * write each. By default every id, status unknown, echo not recorded.
     */
    default Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds, Deadline deadline) {
        Map<String, EchoTarget> all = new LinkedHashMap<>();
        messageIds.forEach(id -> all.put(id, new EchoTarget(null, false)));
        return all;
    }

    /**
     * The record as {@code message_status} shows it: with the time its echo was recorded. By
     * default the record as {@link #find} reads it.
     */
    default Optional<MessageRecord> findWithEcho(String messageId, Deadline deadline) {
        return find(messageId, deadline);
    }

    /**
     * The page's echo of one of this system's messages (its metadata named {@code messageId}), as
     * recorded next to that message: Facebook's timestamp of it (which marks the message echoed),
     * its channel, and what it carried.
     */
    record Echo(String pageId, String messageId, String channel, long timestamp, String psid, String mid,
                String appId, String text, String attachmentsJson) {
    }

    /**
     * Records the echo next to its message ({@link #echoItemId}), once: false when it was recorded
     * already (a redelivery). Called after {@link #confirmByEcho} / {@link #stampByEcho}, so a
     * failure between them leaves the whole echo to Facebook's redelivery.
     *
     * @param now when it is recorded
     */
    boolean recordEcho(Echo echo, Instant now, Deadline deadline);

    /**
     * Where the record of a message's echo is kept: an item of the messages table keyed by the
     * message id and this suffix (a message id never contains {@code #}), so that the status read
     * fetches both in one request and the message item stays small whatever the echo carried.
     */
    static String echoItemId(String messageId) {
        return messageId + "#echo";
    }

    /**
     * Delivery receipt listing Facebook message ids, from {@code psid} when the receipt names it;
     * returns how many records moved.
     */
    int markDelivered(String pageId, String psid, Collection<String> facebookMessageIds, Instant at, Deadline deadline);

    /**
     * Delivery receipt watermark (Facebook's clock): every message to the PSID whose Facebook
     * timestamp is at or before it was delivered.
     */
    int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at, Deadline deadline);

    /**
     * A PSID's delivery receipt, with the Facebook message ids and / or the watermark it carries;
     * returns how many records moved. By default both marks.
     */
    default int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds,
                                    Long watermarkMillis, Instant at, Deadline deadline) {
        int moved = facebookMessageIds.isEmpty() ? 0 : markDelivered(pageId, psid, facebookMessageIds, at, deadline);
        if (watermarkMillis != null) {
            moved += markDeliveredUpTo(pageId, psid, watermarkMillis, at, deadline);
        }
        return moved;
    }

    /** Read receipt watermark (Facebook's clock): every message to the PSID whose Facebook timestamp is at or before it was read. */
    int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at, Deadline deadline);
}
