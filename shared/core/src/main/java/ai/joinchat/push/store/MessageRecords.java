package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.store.Lifecycle.Transition;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Delivery records, moved only by {@link Lifecycle}'s transitions, so a redelivery never sends a message
 * twice. Infrastructure failures throw {@link ai.joinchat.push.DependencyUnavailableException}.
 */
public interface MessageRecords {

    /** The send API's commit decision as the store settled it: owed a delivery, or never delivered. */
    enum Decision {
        COMMITTED,
        REJECTED
    }

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

    /** Writes the {@code pending} record; message ids are unique, so repeating it is harmless. */
    void createPending(MessageRecord pending, Deadline deadline);

    /** {@code pending} → {@code queued}; answers how the record stands afterwards. */
    Decision commit(String messageId, Deadline deadline);

    /** {@code pending} (or no record) → {@code rejected}; {@link Decision#COMMITTED} when committed first. */
    Decision reject(String messageId, String pageId, Instant now, Deadline deadline);

    Optional<MessageRecord> find(String messageId, Deadline deadline);

    /**
     * Takes a {@code queued} or {@code pending} record (the worker holds its SQS copy, so only a
     * rejection could stop it), or a {@code sending} one whose lease has run out. Until
     * {@code absentDecideBy} a missing record may still be being written.
     */
    Claim claim(String messageId, Instant now, Duration lease, Instant absentDecideBy, Deadline deadline);

    /**
     * Runs a {@link Transition} whose only answer is whether it was written. Refused (settled
     * meanwhile, or an earlier try of this write landed), it changes nothing.
     */
    boolean run(Transition transition, String messageId, Inputs in, Deadline deadline);

    /**
     * {@code failed} (resendable, this page's) → {@code pending} until {@code decideBy}: its queued
     * copy and the error it failed with, or empty when the record is not resendable (anymore).
     */
    Optional<Resend> resend(String messageId, String pageId, Instant now, Instant decideBy, Deadline deadline);

    /** A failed message taken for resending: its queued copy (JSON) and why it had failed. */
    record Resend(String queuedCopy, DeliveryError error) {
    }

    /**
     * The page's echo carried this message id, so Facebook took it: {@link Transition#CONFIRM_BY_ECHO},
     * the echo recorded in the same write; false otherwise.
     */
    boolean confirmByEcho(Echo echo, Deadline deadline);

    /**
     * Records the echo on its (sent, or later) message once: its time ({@code echoed_at}), the app,
     * and Facebook's timestamp for the receipts' watermarks; false for a redelivery or another page's.
     */
    boolean stampByEcho(Echo echo, Deadline deadline);

    /** What an echo of one of this page's messages finds; {@code status} is never null (every item has one). */
    record EchoTarget(MessageStatus status, boolean echoRecorded) {
    }

    /**
     * Of these ids (echo metadata), the messages of this page, read in batches, so a webhook batch
     * of other apps' echoes costs a few reads instead of a write each.
     */
    Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds, Deadline deadline);

    /** The page's echo of one of this system's messages, recorded on it. */
    record Echo(String pageId, String messageId, long timestamp, String psid, String mid, String appId) {
    }

    /**
     * A delivery receipt: the messages it lists by Facebook id ({@code psid} null when unnamed) and / or
     * every message to the PSID up to its watermark (Facebook's clock); how many records moved.
     */
    int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds, Long watermarkMillis,
                            Instant at, Deadline deadline);

    /** Read receipt watermark (Facebook's clock): every message to the PSID up to it was read. */
    int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at, Deadline deadline);
}
