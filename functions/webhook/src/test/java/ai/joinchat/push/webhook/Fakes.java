package ai.joinchat.push.webhook;

import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.store.ImportedBinding;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.QuickReplyOffers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** In-memory stand-ins for the stores, recording what the webhook asked of them. */
final class Fakes {

    private Fakes() {
    }

    static final class Records implements WebhookRecords {
        final List<WebhookEvent> recorded = Collections.synchronizedList(new ArrayList<>());
        volatile RuntimeException failure;

        @Override
        public Recorded record(List<WebhookEvent> events) {
            if (failure != null) {
                throw failure;
            }
            recorded.addAll(events);
            return new Recorded(events.size(), List.of());
        }
    }

    static class Messages implements MessageRecords {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        /** Message ids confirmByEcho knows, as page id + "/" + message id. */
        final Collection<String> known = ConcurrentHashMap.newKeySet();
        volatile RuntimeException failure;

        private void call(String description) {
            if (failure != null) {
                throw failure;
            }
            calls.add(description);
        }

        @Override
        public boolean confirmByEcho(String pageId, String messageId, String facebookMessageId, String psid,
                                     Instant at) {
            call("echoed " + pageId + " " + messageId + " " + at.toEpochMilli());
            return known.contains(pageId + "/" + messageId);
        }

        @Override
        public int markDelivered(String pageId, Collection<String> facebookMessageIds, Instant at) {
            call("delivered " + pageId + " " + facebookMessageIds);
            return facebookMessageIds.size();
        }

        @Override
        public int markDeliveredUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
            call("delivered-up-to " + pageId + " " + psid + " " + watermarkMillis);
            return 1;
        }

        @Override
        public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at) {
            call("read-up-to " + pageId + " " + psid + " " + watermarkMillis);
            return 1;
        }

        @Override
        public void createPending(MessageRecord pending, Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Decision commit(String messageId, Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Decision reject(String messageId, String pageId, Instant now, Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<MessageRecord> find(String messageId, Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Claim claim(String messageId, Instant now, Duration lease, Instant absentDecideBy, Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void markSent(String messageId, String pageId, String facebookMessageId, String psid, Instant now,
                             Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void markRetrying(String messageId, DeliveryError error, Instant now, Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void markUnknown(String messageId, DeliveryError error, Instant now, Deadline deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void markFailed(String messageId, DeliveryError error, Instant now, Deadline deadline) {
            throw new UnsupportedOperationException();
        }
    }

    /** Newer binding wins, like the DynamoDB one. */
    static final class Bindings implements ContactBindings {
        record Bound(String psid, long at, String source) {
        }

        final Map<String, Bound> bound = new ConcurrentHashMap<>();
        volatile RuntimeException failure;
        volatile long delayMillis;

        @Override
        public Optional<String> psidFor(String pageId, String contactKey) {
            return Optional.ofNullable(bound.get(pageId + "/" + contactKey)).map(Bound::psid);
        }

        @Override
        public synchronized boolean bind(String pageId, String contactKey, String psid, long eventTimestampMillis,
                                         String source) {
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failure != null) {
                throw failure;
            }
            Bound old = bound.get(pageId + "/" + contactKey);
            if (old != null && old.at() > eventTimestampMillis) {
                return false;
            }
            bound.put(pageId + "/" + contactKey, new Bound(psid, eventTimestampMillis, source));
            return true;
        }

        @Override
        public synchronized boolean bindIfUnbound(String pageId, String contactKey, String psid,
                                                  long eventTimestampMillis, String source) {
            Bound old = bound.get(pageId + "/" + contactKey);
            if (old != null && !old.psid().equals(psid)) {
                return false;
            }
            return bind(pageId, contactKey, psid, eventTimestampMillis, source);
        }

        @Override
        public synchronized int importBindings(String pageId, List<ImportedBinding> bindings, Instant importedAt) {
            bindings.forEach(binding -> bound.put(pageId + "/" + binding.contactKey(),
                    new Bound(binding.psid(), importedAt.toEpochMilli(), "import")));
            return bindings.size();
        }
    }

    /** Offers recorded in memory; with {@code all}, every tap has one. */
    static final class Offers implements QuickReplyOffers {
        final java.util.Set<Offer> recorded = ConcurrentHashMap.newKeySet();
        volatile boolean all;

        @Override
        public void record(String pageId, String psid, java.util.Set<Kind> kinds, Instant at) {
            kinds.forEach(kind -> recorded.add(new Offer(pageId, psid, kind)));
        }

        @Override
        public java.util.Set<Offer> live(Collection<Offer> offers, Instant now) {
            return offers.stream().filter(o -> all || recorded.contains(o)).collect(java.util.stream.Collectors.toSet());
        }
    }
}
