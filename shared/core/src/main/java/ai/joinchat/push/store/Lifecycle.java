package ai.joinchat.push.store;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static ai.joinchat.push.store.MessageItem.ATTEMPTS;
import static ai.joinchat.push.store.MessageItem.CLAIM_TOKEN;
import static ai.joinchat.push.store.MessageItem.DECIDE_BY;
import static ai.joinchat.push.store.MessageItem.DELIVERED_AT;
import static ai.joinchat.push.store.MessageItem.ECHOED_AT;
import static ai.joinchat.push.store.MessageItem.ECHO_APP_ID;
import static ai.joinchat.push.store.MessageItem.ERROR;
import static ai.joinchat.push.store.MessageItem.EXPIRES_AT;
import static ai.joinchat.push.store.MessageItem.FACEBOOK_MESSAGE_ID;
import static ai.joinchat.push.store.MessageItem.FACEBOOK_SENT_AT;
import static ai.joinchat.push.store.MessageItem.LEASE_UNTIL;
import static ai.joinchat.push.store.MessageItem.PAGE_ID;
import static ai.joinchat.push.store.MessageItem.PSID;
import static ai.joinchat.push.store.MessageItem.READ_AT;
import static ai.joinchat.push.store.MessageItem.REFUSED;
import static ai.joinchat.push.store.MessageItem.RESEND_BODY;
import static ai.joinchat.push.store.MessageItem.RECIPIENT_KEY;
import static ai.joinchat.push.store.MessageItem.SENT_AT;
import static ai.joinchat.push.store.MessageItem.UNCONFIRMED;
import static ai.joinchat.push.store.MessageItem.UPDATED_AT;
import static ai.joinchat.push.store.MessageStatus.DELIVERED;
import static ai.joinchat.push.store.MessageStatus.FAILED;
import static ai.joinchat.push.store.MessageStatus.PENDING;
import static ai.joinchat.push.store.MessageStatus.QUEUED;
import static ai.joinchat.push.store.MessageStatus.READ;
import static ai.joinchat.push.store.MessageStatus.REJECTED;
import static ai.joinchat.push.store.MessageStatus.SENDING;
import static ai.joinchat.push.store.MessageStatus.SENT;

/**
 * Every legal move of a message's record, as data: where it may start, where it ends, what it
 * writes, what else must hold, and the status callback it emits (read off the table's stream by
 * the callbacks function). A store runs one transition as one conditional write, so a lost reply
 * or a redelivery (SQS's or Facebook's) cannot move a record backwards.
 *
 * <p>Throttling adds no move of its own: a throttled message goes back to {@code queued}
 * ({@link Transition#MARK_RETRYING}) or, paced, is not touched; still throttled after
 * {@code MaxThrottleHours} it ends {@link Transition#MARK_FAILED} ({@code rate_limited}).
 */
public final class Lifecycle {

    private Lifecycle() {
    }

    /** The status callback a transition emits once it is written (contract section 8), by its {@code type}. */
    public enum Event {
        NONE(null), SENT("message.sent"), DELIVERED("message.delivered"), READ("message.read"),
        FAILED("message.failed");

        public final String type;

        Event(String type) {
            this.type = type;
        }

        /** The event a record's arrival at {@code status} emits, as its transitions declare; NONE when none does. */
        public static Event on(MessageStatus status) {
            for (Transition transition : Transition.values()) {
                if (transition.to == status && transition.event != NONE) {
                    return transition.event;
                }
            }
            return NONE;
        }
    }

    /** What else must hold, beyond the from-states. */
    public enum Guard {
        /** A {@code sending} record only once its lease ({@code lease_until}) is before {@code now}. */
        LEASE_EXPIRED,
        /** The record is this page's ({@code page_id}). */
        SAME_PAGE,
        /** The record was sent to this PSID, when the receipt names one. */
        SAME_PSID,
        /** The record keeps its queued copy and no attempt of it had an unknown outcome ({@code unconfirmed}). */
        RESENDABLE,
        /** Not a resend still pending: a stale dead letter of its failed attempt must not fail it again. */
        NOT_RESENDING,
        /** No echo of it recorded yet ({@code echoed_at}). */
        NOT_ECHOED,
        /** Its {@code sent_at}, when it has one, is not after the echo's Facebook time. */
        SENT_AT_NOT_AFTER_ECHO,
        /** Its Facebook time ({@code facebook_sent_at}, else {@code sent_at}) is at or before the receipt's watermark. */
        REACHED_BY_WATERMARK,
        /** Failed by Facebook's refusal of its last attempt, none unconfirmed, no copy kept yet. */
        COPY_AWAITED
    }

    /** The value a write takes from a transition's {@link Inputs}; an absent (null) one is not written. */
    public enum Input {
        NOW, NOW_MILLIS, PAGE, PSID, MID, SENT_AT, ERROR, TRUE, LEASE_UNTIL, CLAIM_TOKEN, EXPIRES_AT,
        AWAITING_DELIVERY_KEY, AWAITING_READ_KEY, LEASE_RELEASED, DECIDE_BY, RESEND_BODY,
        ECHOED_AT, APP_ID, WATERMARK;

        /** The value as a String, Long, Boolean or {@link DeliveryError}; null when the inputs lack it. */
        public Object of(Inputs in) {
            return switch (this) {
                case NOW -> in.now().toString();
                case NOW_MILLIS -> in.now().toEpochMilli();
                case PAGE -> in.pageId();
                case PSID -> in.psid();
                case MID -> in.facebookMessageId();
                case SENT_AT -> in.sentAt() == null ? null : in.sentAt().toEpochMilli();
                case ERROR -> in.error();
                case TRUE -> Boolean.TRUE;
                case LEASE_UNTIL -> in.leaseUntil() == null ? null : in.leaseUntil().toEpochMilli();
                case CLAIM_TOKEN -> in.claimToken();
                case EXPIRES_AT -> in.expiresAt() == null ? null : in.expiresAt().getEpochSecond();
                case AWAITING_DELIVERY_KEY -> recipientKey(in, MessageItem.AWAITING_DELIVERY);
                case AWAITING_READ_KEY -> recipientKey(in, MessageItem.AWAITING_READ);
                // A lease that ran out just before now: a claim even in the same millisecond takes it.
                case LEASE_RELEASED -> in.now().toEpochMilli() - 1;
                case DECIDE_BY -> in.decideBy() == null ? null : in.decideBy().toEpochMilli();
                case RESEND_BODY -> in.resendBody();
                case ECHOED_AT -> in.sentAt() == null ? null : in.sentAt().toString();
                case APP_ID -> in.appId() == null ? null : StoredFields.cut(in.appId(), StoredFields.VALUE_MAX_BYTES);
                case WATERMARK -> in.watermark();
            };
        }

        private static String recipientKey(Inputs in, String stage) {
            return in.psid() == null ? null : MessageItem.recipientKey(in.pageId(), in.psid(), stage);
        }
    }

    public enum Op {
        /** {@code attribute = value}. */
        SET,
        /** Only when the attribute is absent. */
        SET_IF_ABSENT,
        /** {@code attribute + 1}, from 0 when absent (the value is unused). */
        INCREMENT,
        /** Removes the attribute (the value is unused). */
        REMOVE
    }

    public record Write(String attribute, Op op, Input input) {
    }

    /**
     * The moves. {@code to} null keeps the status; {@code fromAbsent} also allows a missing record
     * (which the write then creates); {@code returnsOld} asks the write for the record as it was
     * (on success) or is (on refusal), where the caller decides by it.
     */
    public enum Transition {
        /** The send API committed its 202: the message is owed a delivery. */
        COMMIT(EnumSet.of(PENDING), false, QUEUED, List.of(remove(DECIDE_BY)), List.of(), Event.NONE, true),
        /** The send API answered 503 (or will): never delivered; a tombstone when no record was written. */
        REJECT(EnumSet.of(PENDING, REJECTED), true, REJECTED,
                List.of(new Write(PAGE_ID, Op.SET_IF_ABSENT, Input.PAGE), set(UPDATED_AT, Input.NOW),
                        new Write(EXPIRES_AT, Op.SET_IF_ABSENT, Input.EXPIRES_AT), remove(DECIDE_BY)),
                List.of(), Event.NONE, true),
        /** A worker takes it for one Send API call; the token recognises its own write after a lost reply. */
        CLAIM(EnumSet.of(QUEUED, PENDING, SENDING), false, SENDING,
                List.of(set(LEASE_UNTIL, Input.LEASE_UNTIL), set(UPDATED_AT, Input.NOW),
                        set(CLAIM_TOKEN, Input.CLAIM_TOKEN), new Write(ATTEMPTS, Op.INCREMENT, null), remove(DECIDE_BY)),
                List.of(Guard.LEASE_EXPIRED), Event.NONE, true),
        /** Facebook took it (from failed too: whatever an earlier attempt concluded). */
        MARK_SENT(EnumSet.of(SENDING, QUEUED, FAILED), false, SENT, sentWrites(), List.of(), Event.SENT, false),
        /** A transient failure before Facebook could have taken it, or Facebook's throttling. */
        MARK_RETRYING(EnumSet.of(SENDING), false, QUEUED,
                List.of(set(UPDATED_AT, Input.NOW), set(ERROR, Input.ERROR), remove(LEASE_UNTIL)),
                List.of(), Event.NONE, false),
        /** The call's outcome is unknown: still sending, lease released, for the echo or the next attempt. */
        MARK_UNKNOWN(EnumSet.of(SENDING), false, null,
                List.of(set(UPDATED_AT, Input.NOW), set(ERROR, Input.ERROR), set(UNCONFIRMED, Input.TRUE),
                        set(LEASE_UNTIL, Input.LEASE_RELEASED)),
                List.of(), Event.NONE, false),
        /** Given up: not resendable (a permanent error, or an attempt Facebook may have taken). */
        MARK_FAILED(EnumSet.of(SENDING, QUEUED, PENDING), false, FAILED, failedWrites(remove(RESEND_BODY)),
                List.of(Guard.NOT_RESENDING), Event.FAILED, false),
        /** Given up after Facebook refused the last attempt; its copy is kept when the dead letter comes back. */
        MARK_FAILED_REFUSED(EnumSet.of(SENDING, QUEUED, PENDING), false, FAILED, failedWrites(set(REFUSED, Input.TRUE)),
                List.of(Guard.NOT_RESENDING), Event.FAILED, false),
        /** Given up with no copy left anywhere (rate_limited, acknowledged): keeps the copy, resendable. */
        MARK_FAILED_RESENDABLE(EnumSet.of(SENDING, QUEUED, PENDING), false, FAILED,
                failedWrites(set(RESEND_BODY, Input.RESEND_BODY)), List.of(Guard.NOT_RESENDING), Event.FAILED, false),
        /** The DLQ handed back a refused message's copy: none can be in flight now, so it may be resent, once. */
        KEEP_COPY(EnumSet.of(FAILED), false, null, List.of(set(RESEND_BODY, Input.RESEND_BODY)),
                List.of(Guard.COPY_AWAITED), Event.NONE, false),
        /** A claim took over a lease that ran out: that attempt's outcome is unknown, so never resend on purpose. */
        FLAG_UNCONFIRMED(EnumSet.of(SENDING), false, null, List.of(set(UNCONFIRMED, Input.TRUE)), List.of(),
                Event.NONE, false),
        /**
         * Resent on purpose ({@code POST /api/resend_message}): back to pending, as a new send is, with its
         * queued copy returned; a worker's claim of the copy then commits it, a failed enqueue
         * {@link #FAIL_UNCLAIMED}s it back.
         */
        RESEND(EnumSet.of(FAILED), false, PENDING, List.of(set(UPDATED_AT, Input.NOW), set(DECIDE_BY, Input.DECIDE_BY),
                set(CLAIM_TOKEN, Input.CLAIM_TOKEN), remove(REFUSED)), List.of(Guard.SAME_PAGE, Guard.RESENDABLE),
                Event.NONE, true),
        /** A record no worker claimed, long after its send API ended undecided; it races the worker's claim. */
        FAIL_UNCLAIMED(EnumSet.of(PENDING), false, FAILED,
                List.of(set(UPDATED_AT, Input.NOW), set(ERROR, Input.ERROR), remove(DECIDE_BY)),
                List.of(), Event.FAILED, false),
        /** The page's echo carried its id: Facebook took it, even if the worker never heard so; the echo recorded. */
        CONFIRM_BY_ECHO(EnumSet.of(QUEUED, SENDING, FAILED), false, SENT, concat(sentWrites(), echoWrites()),
                List.of(Guard.SAME_PAGE), Event.SENT, false),
        /**
         * The echo of a message recorded on it, Facebook's time beside {@code sent_at}, which stays
         * {@code by_recipient}'s sort key: not after Facebook's time, it still finds the message, and
         * the receipt's write compares the exact time ({@link Guard#REACHED_BY_WATERMARK}).
         */
        RECORD_ECHO(EnumSet.allOf(MessageStatus.class), false, null, echoWrites(),
                List.of(Guard.SAME_PAGE, Guard.NOT_ECHOED, Guard.SENT_AT_NOT_AFTER_ECHO), Event.NONE, true),
        /** As {@link #RECORD_ECHO} when Facebook's clock is behind ours: the echo's time becomes the sort key. */
        STAMP_BY_ECHO(EnumSet.allOf(MessageStatus.class), false, null,
                concat(List.of(set(SENT_AT, Input.SENT_AT)), echoWrites()),
                List.of(Guard.SAME_PAGE, Guard.NOT_ECHOED), Event.NONE, false),
        /** A delivery receipt listing its Facebook id: on to the partition awaiting read. */
        DELIVERED_BY_MID(EnumSet.of(SENDING, SENT), false, DELIVERED, deliveredWrites(),
                List.of(Guard.SAME_PAGE, Guard.SAME_PSID), Event.DELIVERED, false),
        /** A delivery receipt's watermark reached it. */
        DELIVERED_UP_TO(EnumSet.of(SENT), false, DELIVERED, deliveredWrites(),
                List.of(Guard.SAME_PAGE, Guard.SAME_PSID, Guard.REACHED_BY_WATERMARK), Event.DELIVERED, false),
        /** A read receipt's watermark reached it: out of {@code by_recipient}. */
        READ_UP_TO(EnumSet.of(SENT, DELIVERED), false, READ, readWrites(),
                List.of(Guard.SAME_PAGE, Guard.REACHED_BY_WATERMARK), Event.READ, false);

        public final Set<MessageStatus> from;
        public final boolean fromAbsent;
        public final MessageStatus to;
        public final List<Write> writes;
        public final List<Guard> guards;
        public final Event event;
        public final boolean returnsOld;

        Transition(Set<MessageStatus> from, boolean fromAbsent, MessageStatus to, List<Write> writes, List<Guard> guards,
                   Event event, boolean returnsOld) {
            this.from = Set.copyOf(from);
            this.fromAbsent = fromAbsent;
            this.to = to;
            this.writes = writes;
            this.guards = guards;
            this.event = event;
            this.returnsOld = returnsOld;
        }
    }

    private static Write set(String attribute, Input input) {
        return new Write(attribute, Op.SET, input);
    }

    private static Write remove(String attribute) {
        return new Write(attribute, Op.REMOVE, null);
    }

    /** A sent message carries Facebook's id, its PSID, and its place among the messages awaiting delivery. */
    private static List<Write> sentWrites() {
        return List.of(set(UPDATED_AT, Input.NOW), set(SENT_AT, Input.SENT_AT), set(FACEBOOK_MESSAGE_ID, Input.MID),
                set(PSID, Input.PSID), set(RECIPIENT_KEY, Input.AWAITING_DELIVERY_KEY), remove(LEASE_UNTIL),
                remove(ERROR), remove(UNCONFIRMED), remove(RESEND_BODY));
    }

    /** An echo on its message: when (on Facebook's clock) and by which app; not its text, the message's own. */
    private static List<Write> echoWrites() {
        return List.of(set(ECHOED_AT, Input.ECHOED_AT), set(FACEBOOK_SENT_AT, Input.SENT_AT),
                set(ECHO_APP_ID, Input.APP_ID));
    }

    private static List<Write> concat(List<Write> a, List<Write> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    private static List<Write> failedWrites(Write copy) {
        return List.of(set(UPDATED_AT, Input.NOW), set(ERROR, Input.ERROR), remove(LEASE_UNTIL), copy);
    }

    private static List<Write> deliveredWrites() {
        return List.of(set(UPDATED_AT, Input.NOW), set(DELIVERED_AT, Input.NOW),
                set(RECIPIENT_KEY, Input.AWAITING_READ_KEY));
    }

    private static List<Write> readWrites() {
        return List.of(set(UPDATED_AT, Input.NOW), set(READ_AT, Input.NOW), remove(RECIPIENT_KEY));
    }
}
