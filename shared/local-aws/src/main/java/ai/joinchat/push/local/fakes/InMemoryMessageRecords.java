package ai.joinchat.push.local.fakes;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link MessageRecords} in memory, with the conditional transitions of the DynamoDB one, for unit
 * tests of the functions. {@link #failing} names operations that throw as if DynamoDB were down.
 */
public final class InMemoryMessageRecords implements MessageRecords {

    private final Map<String, MessageRecord> records = new ConcurrentHashMap<>();
    private final Map<String, Instant> leases = new ConcurrentHashMap<>();
    /** Operations ("create", "claim", "markSent", ...) that throw as if DynamoDB were down. */
    public final Set<String> failing = ConcurrentHashMap.newKeySet();

    private void check(String operation) {
        if (failing.contains(operation)) {
            throw new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
        }
    }

    @Override
    public synchronized boolean create(MessageRecord record) {
        check("create");
        return records.putIfAbsent(record.messageId(), record) == null;
    }

    @Override
    public synchronized void delete(String messageId) {
        records.remove(messageId);
    }

    @Override
    public Optional<MessageRecord> find(String messageId) {
        return Optional.ofNullable(records.get(messageId));
    }

    public MessageRecord get(String messageId) {
        return find(messageId).orElseThrow();
    }

    public void put(MessageRecord record) {
        records.put(record.messageId(), record);
    }

    @Override
    public synchronized Claim claim(String messageId, Instant now, Duration lease) {
        check("claim");
        MessageRecord r = records.get(messageId);
        if (r == null) {
            return Claim.MISSING;
        }
        Instant leaseUntil = leases.get(messageId);
        if (r.status() == MessageStatus.QUEUED
                || (r.status() == MessageStatus.SENDING && leaseUntil != null && leaseUntil.isBefore(now))) {
            records.put(messageId, with(r, MessageStatus.SENDING, r.attempts() + 1, now, r.facebookMessageId(),
                    r.psid(), r.error()));
            leases.put(messageId, now.plus(lease));
            return Claim.CLAIMED;
        }
        if (r.status().acceptedByFacebook()) {
            return Claim.ALREADY_SENT;
        }
        return r.status() == MessageStatus.FAILED ? Claim.ALREADY_FAILED : Claim.IN_FLIGHT;
    }

    @Override
    public synchronized void markSent(String messageId, String pageId, String facebookMessageId, String psid,
                                      Instant now) {
        check("markSent");
        MessageRecord r = records.get(messageId);
        if (r != null && (r.status() == MessageStatus.SENDING || r.status() == MessageStatus.QUEUED)) {
            records.put(messageId, with(r, MessageStatus.SENT, r.attempts(), now, facebookMessageId, psid, null));
            leases.remove(messageId);
        }
    }

    @Override
    public void markRetrying(String messageId, DeliveryError error, Instant now) {
        check("markRetrying");
        transition(messageId, MessageStatus.QUEUED, error, now);
    }

    @Override
    public void markFailed(String messageId, DeliveryError error, Instant now) {
        check("markFailed");
        transition(messageId, MessageStatus.FAILED, error, now);
    }

    private synchronized void transition(String messageId, MessageStatus to, DeliveryError error, Instant now) {
        MessageRecord r = records.get(messageId);
        if (r != null && (r.status() == MessageStatus.SENDING || r.status() == MessageStatus.QUEUED)) {
            records.put(messageId, with(r, to, r.attempts(), now, r.facebookMessageId(), r.psid(), error));
            leases.remove(messageId);
        }
    }

    private static MessageRecord with(MessageRecord r, MessageStatus status, int attempts, Instant now,
                                      String facebookMessageId, String psid, DeliveryError error) {
        return new MessageRecord(r.messageId(), r.pageId(), r.recipientType(), r.recipientValue(), r.templateType(),
                status, attempts, r.createdAt(), now, facebookMessageId, psid, error, r.warnings(),
                r.echoedAt(), r.deliveredAt(), r.readAt());
    }

    @Override
    public boolean markEchoed(String pageId, String messageId, Instant at) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int markDelivered(String pageId, Collection<String> facebookMessageIds, Instant at) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
        throw new UnsupportedOperationException();
    }
}
