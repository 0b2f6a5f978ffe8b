package ai.joinchat.push.testing;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link MessageRecords} in memory, with the conditional transitions of the DynamoDB one, for unit
 * tests of the functions. {@link #failing} names operations that throw as if DynamoDB were down.
 * The webhook's calls (echo, delivery and read receipts) are also written to {@link #calls}, and
 * the receipts only recorded there: they answer as if every id (or one record) moved.
 */
public class InMemoryMessageRecords implements MessageRecords {

    /** Every webhook-side operation, for {@code failing.addAll(WEBHOOK_OPERATIONS)}. */
    public static final List<String> WEBHOOK_OPERATIONS =
            List.of("echoTargets", "confirmByEcho", "stampByEcho", "markDelivered", "markDeliveredUpTo", "markReadUpTo");

    private final Map<String, MessageRecord> records = new ConcurrentHashMap<>();
    private final Map<String, Instant> leases = new ConcurrentHashMap<>();
    /** Operations ("createPending", "commit", "reject", "claim", "markSent", ...) that throw as if DynamoDB were down. */
    public final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** The webhook's writes, in order: "confirmed page message at-millis", "delivered page [mids]", ... */
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    /** The start of the Send API call each message was recorded sent with ({@link #markSent}). */
    public final Map<String, Instant> sendStarts = new ConcurrentHashMap<>();

    private void check(String operation) {
        if (failing.contains(operation)) {
            throw new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
        }
    }

    @Override
    public synchronized void createPending(MessageRecord record, Deadline deadline) {
        check("createPending");
        records.putIfAbsent(record.messageId(), record);
    }

    @Override
    public synchronized Decision commit(String messageId, Deadline deadline) {
        check("commit");
        MessageRecord r = records.get(messageId);
        if (r == null) {
            return Decision.REJECTED;
        }
        if (r.status() == MessageStatus.PENDING) {
            records.put(messageId, with(r, MessageStatus.QUEUED, r.attempts(), r.updatedAt(), r.facebookMessageId(),
                    r.psid(), r.error()));
            return Decision.COMMITTED;
        }
        return r.status().committed() ? Decision.COMMITTED : Decision.REJECTED;
    }

    @Override
    public synchronized Decision reject(String messageId, String pageId, Instant now, Deadline deadline) {
        check("reject");
        MessageRecord r = records.get(messageId);
        if (r == null) {
            records.put(messageId, new MessageRecord(messageId, pageId, null, null, MessageStatus.REJECTED, 0, now, now,
                    null, null, null, null, null, null, null, null));
            return Decision.REJECTED;
        }
        if (r.status() == MessageStatus.PENDING || r.status() == MessageStatus.REJECTED) {
            records.put(messageId, with(r, MessageStatus.REJECTED, r.attempts(), now, null, null, null));
            return Decision.REJECTED;
        }
        return Decision.COMMITTED;
    }

    @Override
    public Optional<MessageRecord> find(String messageId, Deadline deadline) {
        check("find");
        return Optional.ofNullable(records.get(messageId));
    }

    public MessageRecord get(String messageId) {
        return Optional.ofNullable(records.get(messageId)).orElseThrow();
    }

    public void put(MessageRecord record) {
        records.put(record.messageId(), record);
    }

    /** A record the send API committed (queued) for a PSID, as if SQS took the message. */
    public void putQueued(String pageId, String messageId) {
        Instant now = Instant.now();
        put(MessageRecord.pending(messageId, pageId, new Recipient(RecipientType.ID, "24681357"), "text", List.of(),
                now, now.plusSeconds(10)));
        commit(messageId, Deadline.none());
    }

    @Override
    public synchronized Claim claim(String messageId, Instant now, Duration lease, Instant absentDecideBy,
                                    Deadline deadline) {
        check("claim");
        MessageRecord r = records.get(messageId);
        if (r == null) {
            return absentDecideBy != null && now.isBefore(absentDecideBy)
                    ? new Claim.Undecided(absentDecideBy) : new Claim.Dropped("no record");
        }
        Instant leaseUntil = leases.get(messageId);
        boolean overdue = r.status() == MessageStatus.PENDING;
        boolean expired = r.status() == MessageStatus.SENDING && leaseUntil != null && leaseUntil.isBefore(now);
        if (r.status() == MessageStatus.QUEUED || overdue || expired) {
            records.put(messageId, with(r, MessageStatus.SENDING, r.attempts() + 1, now, r.facebookMessageId(),
                    r.psid(), r.error()));
            leases.put(messageId, now.plus(lease));
            return new Claim.Claimed(r.attempts() + 1, expired);
        }
        return switch (r.status()) {
            case PENDING -> new Claim.Undecided(r.decideBy());
            case REJECTED -> new Claim.Dropped("rejected");
            case SENDING -> new Claim.Busy(leaseUntil == null ? now : leaseUntil);
            default -> new Claim.Settled(r.status());
        };
    }

    @Override
    public synchronized void markSent(String messageId, String pageId, String facebookMessageId, String psid,
                                      Instant sendStartedAt, Instant now, Deadline deadline) {
        check("markSent");
        sendStarts.put(messageId, sendStartedAt);
        MessageRecord r = records.get(messageId);
        if (r != null && (r.status() == MessageStatus.SENDING || r.status() == MessageStatus.QUEUED
                || r.status() == MessageStatus.FAILED)) {
            records.put(messageId, with(r, MessageStatus.SENT, r.attempts(), now, facebookMessageId, psid, null));
            leases.remove(messageId);
        }
    }

    @Override
    public void markRetrying(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        check("markRetrying");
        transition(messageId, MessageStatus.QUEUED, error, now, Set.of(MessageStatus.SENDING));
    }

    @Override
    public synchronized void markUnknown(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        check("markUnknown");
        MessageRecord r = records.get(messageId);
        if (r != null && r.status() == MessageStatus.SENDING) {
            records.put(messageId, with(r, MessageStatus.SENDING, r.attempts(), now, r.facebookMessageId(), r.psid(),
                    error));
            leases.put(messageId, now);
        }
    }

    @Override
    public void failUnclaimed(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        check("failUnclaimed");
        transition(messageId, MessageStatus.FAILED, error, now, Set.of(MessageStatus.PENDING));
    }

    @Override
    public void markFailed(String messageId, DeliveryError error, Instant now, Deadline deadline) {
        check("markFailed");
        transition(messageId, MessageStatus.FAILED, error, now,
                Set.of(MessageStatus.SENDING, MessageStatus.QUEUED, MessageStatus.PENDING));
    }

    private synchronized void transition(String messageId, MessageStatus to, DeliveryError error, Instant now,
                                         Set<MessageStatus> from) {
        MessageRecord r = records.get(messageId);
        if (r != null && from.contains(r.status())) {
            records.put(messageId, with(r, to, r.attempts(), now, r.facebookMessageId(), r.psid(), error));
            leases.remove(messageId);
        }
    }

    private static MessageRecord with(MessageRecord r, MessageStatus status, int attempts, Instant now,
                                      String facebookMessageId, String psid, DeliveryError error) {
        return new MessageRecord(r.messageId(), r.pageId(), r.recipient(), r.templateType(),
                status, attempts, r.createdAt(), now, facebookMessageId, psid, error, r.warnings(),
                r.echoedAt(), r.deliveredAt(), r.readAt(), status == MessageStatus.PENDING ? r.decideBy() : null);
    }

    @Override
    public synchronized boolean confirmByEcho(String pageId, String messageId, String facebookMessageId, String psid,
                                              Instant at) {
        check("confirmByEcho");
        calls.add("confirmed " + pageId + " " + messageId + " " + at.toEpochMilli());
        MessageRecord r = records.get(messageId);
        if (r == null || !pageId.equals(r.pageId()) || !r.status().committed() || r.status().acceptedByFacebook()) {
            return false;
        }
        records.put(messageId, with(r, MessageStatus.SENT, r.attempts(), at, facebookMessageId, psid, null));
        leases.remove(messageId);
        return true;
    }

    @Override
    public synchronized boolean stampByEcho(String pageId, String messageId, Instant facebookTime) {
        check("stampByEcho");
        calls.add("stamped " + pageId + " " + messageId + " " + facebookTime.toEpochMilli());
        MessageRecord r = records.get(messageId);
        return r != null && pageId.equals(r.pageId()) && r.status() != MessageStatus.READ;
    }

    /** This page's records among the ids, with their status; their echo counts as recorded once {@code echoedAt} is set. */
    @Override
    public synchronized Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds) {
        check("echoTargets");
        Map<String, EchoTarget> targets = new java.util.LinkedHashMap<>();
        for (String id : messageIds) {
            MessageRecord r = records.get(id);
            if (r != null && pageId.equals(r.pageId())) {
                targets.put(id, new EchoTarget(r.status(), r.echoedAt() != null));
            }
        }
        return targets;
    }

    @Override
    public int markDelivered(String pageId, String psid, Collection<String> facebookMessageIds, Instant at) {
        check("markDelivered");
        calls.add("delivered " + pageId + " " + facebookMessageIds);
        return facebookMessageIds.size();
    }

    @Override
    public int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        check("markDeliveredUpTo");
        calls.add("delivered-up-to " + pageId + " " + psid + " " + watermarkMillis);
        return 1;
    }

    @Override
    public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        check("markReadUpTo");
        calls.add("read-up-to " + pageId + " " + psid + " " + watermarkMillis);
        return 1;
    }
}
