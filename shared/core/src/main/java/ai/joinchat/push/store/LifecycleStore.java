package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.store.Lifecycle.Transition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static ai.joinchat.push.store.MessageItem.ATTEMPTS;
import static ai.joinchat.push.store.MessageItem.CLAIM_TOKEN;
import static ai.joinchat.push.store.MessageItem.DECIDE_BY;
import static ai.joinchat.push.store.MessageItem.LEASE_UNTIL;
import static ai.joinchat.push.store.MessageItem.STATUS;

/**
 * The {@link MessageRecords} transitions, each one run of its {@link Lifecycle} declaration
 * through {@link #write}, and what their answers mean to the caller. A store supplies the write
 * (DynamoDB's conditional UpdateItem, or the tests' map) and the reads.
 */
public abstract class LifecycleStore implements MessageRecords {

    public sealed interface Written {
        /** Written; {@code before} is the item as it was when the transition asks for it, else empty. */
        record Applied(Map<String, AttributeValue> before) implements Written {
        }

        /** Its condition failed; {@code current} is the item as it is when the transition asks for it (empty when absent). */
        record Refused(Map<String, AttributeValue> current) implements Written {
        }
    }

    protected final Duration retention;

    protected LifecycleStore(Duration retention) {
        this.retention = retention;
    }

    /** Runs {@code transition} on the message's record as one conditional write. */
    protected abstract Written write(Transition transition, String messageId, Inputs in, Deadline deadline);

    @Override
    public Decision commit(String messageId, Deadline deadline) {
        // Refused: committed already (an earlier try landed, or the worker took it over), or rejected.
        return decision(write(Transition.COMMIT, messageId, Inputs.at(Instant.EPOCH), deadline), Decision.COMMITTED);
    }

    @Override
    public Decision reject(String messageId, String pageId, Instant now, Deadline deadline) {
        Inputs in = Inputs.at(now).withPage(pageId).withExpiry(now.plus(retention));
        return decision(write(Transition.REJECT, messageId, in, deadline), Decision.REJECTED);
    }

    private static Decision decision(Written written, Decision applied) {
        if (written instanceof Written.Refused refused && MessageItem.isMessage(refused.current())) {
            return MessageStatus.fromWireName(MessageItem.str(refused.current(), STATUS)).committed()
                    ? Decision.COMMITTED : Decision.REJECTED;
        }
        return written instanceof Written.Applied ? applied : Decision.REJECTED;
    }

    @Override
    public Claim claim(String messageId, Instant now, Duration lease, Instant absentDecideBy, Deadline deadline) {
        // Names this claim, so that the SDK's retry of a claim whose reply was lost knows it as its own.
        String token = UUID.randomUUID().toString();
        Written written = write(Transition.CLAIM, messageId, Inputs.at(now).withClaim(now.plus(lease), token), deadline);
        if (written instanceof Written.Applied applied) {
            Long attempts = MessageItem.number(applied.before(), ATTEMPTS);
            boolean unconfirmed = MessageStatus.SENDING.wireName().equals(MessageItem.str(applied.before(), STATUS));
            return new Claim.Claimed((attempts == null ? 0 : attempts.intValue()) + 1, unconfirmed);
        }
        Map<String, AttributeValue> current = ((Written.Refused) written).current();
        if (token.equals(MessageItem.str(current, CLAIM_TOKEN))) {
            return new Claim.Claimed(MessageItem.number(current, ATTEMPTS).intValue(), false);
        }
        return refusedClaim(current, now, absentDecideBy);
    }

    private static Claim refusedClaim(Map<String, AttributeValue> current, Instant now, Instant absentDecideBy) {
        if (!MessageItem.isMessage(current)) {
            return absentDecideBy != null && now.isBefore(absentDecideBy)
                    ? new Claim.Undecided(absentDecideBy)
                    : new Claim.Dropped("no record: the send API never accepted it");
        }
        MessageStatus status = MessageStatus.fromWireName(MessageItem.str(current, STATUS));
        return switch (status) {
            case PENDING -> new Claim.Undecided(millis(current, DECIDE_BY, now));
            case REJECTED -> new Claim.Dropped("rejected by the send API");
            case SENDING -> new Claim.Busy(millis(current, LEASE_UNTIL, now));
            case QUEUED -> new Claim.Busy(now);
            case SENT, DELIVERED, READ, FAILED -> new Claim.Settled(status);
        };
    }

    private static Instant millis(Map<String, AttributeValue> item, String name, Instant otherwise) {
        Long millis = MessageItem.number(item, name);
        return millis == null ? otherwise : Instant.ofEpochMilli(millis);
    }

    @Override
    public boolean run(Transition transition, String messageId, Inputs in, Deadline deadline) {
        return write(transition, messageId, in, deadline) instanceof Written.Applied;
    }

    @Override
    public Optional<Resend> resend(String messageId, String pageId, Instant now, Instant decideBy, Deadline deadline) {
        // Names this resend, so that the SDK's retry of a resend whose reply was lost knows it as its own.
        String token = UUID.randomUUID().toString();
        Written written = write(Transition.RESEND, messageId, Inputs.at(now).withPage(pageId).withDecideBy(decideBy)
                .withClaim(null, token), deadline);
        Map<String, AttributeValue> item = written instanceof Written.Applied applied ? applied.before()
                : ((Written.Refused) written).current();
        boolean ours = written instanceof Written.Applied || (token.equals(MessageItem.str(item, CLAIM_TOKEN))
                && MessageStatus.PENDING.wireName().equals(MessageItem.str(item, STATUS)));
        return ours ? Optional.of(new Resend(MessageItem.str(item, MessageItem.RESEND_BODY),
                MessageItem.toRecord(item).error())) : Optional.empty();
    }

    /** Usually the worker heard Facebook's answer before the echo came, and this is not called. */
    @Override
    public boolean confirmByEcho(Echo echo, Deadline deadline) {
        Instant at = Instant.ofEpochMilli(echo.timestamp());
        Inputs in = Inputs.at(at).withPage(echo.pageId()).withSent(echo.mid(), echo.psid(), at).withAppId(echo.appId());
        return run(Transition.CONFIRM_BY_ECHO, echo.messageId(), in, deadline);
    }

    /**
     * One write beside the index's sort key; only when Facebook's clock is behind ours (the first
     * write refused for a {@code sent_at} after the echo's time) a second moves the sort key to it.
     */
    @Override
    public boolean stampByEcho(Echo echo, Deadline deadline) {
        Instant at = Instant.ofEpochMilli(echo.timestamp());
        Inputs in = Inputs.at(at).withPage(echo.pageId()).withSent(null, null, at).withAppId(echo.appId());
        Written written = write(Transition.RECORD_ECHO, echo.messageId(), in, deadline);
        if (written instanceof Written.Refused refused && MessageItem.isMessage(refused.current())
                && !refused.current().containsKey(MessageItem.ECHOED_AT)
                && echo.pageId().equals(MessageItem.str(refused.current(), MessageItem.PAGE_ID))) {
            written = write(Transition.STAMP_BY_ECHO, echo.messageId(), in, deadline);
        }
        return written instanceof Written.Applied;
    }
}
