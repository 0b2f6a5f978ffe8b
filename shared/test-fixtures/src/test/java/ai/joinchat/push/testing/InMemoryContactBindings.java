package ai.joinchat.push.testing;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.store.ContactBindings;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ContactBindings} in memory, like the DynamoDB one: a newer binding (by its event
 * timestamp) replaces an older one; an import replaces whatever was there. {@link #bound} is keyed
 * by page id + "/" + contact key. While {@link #failure} is set, reads and binds throw it;
 * {@link #delayMillis} slows every bind down.
 */
public final class InMemoryContactBindings implements ContactBindings {

    public record Bound(String psid, long at, String source) {
    }

    public final Map<String, Bound> bound = new ConcurrentHashMap<>();
    public volatile RuntimeException failure;
    public volatile long delayMillis;

    @Override
    public Optional<String> psidFor(String pageId, String contactKey) {
        failIfAsked();
        return Optional.ofNullable(bound.get(pageId + "/" + contactKey)).map(Bound::psid);
    }

    @Override
    public synchronized boolean bind(String pageId, String contactKey, String psid, long eventTimestampMillis,
                                     String source, boolean onlyIfUnbound, Deadline deadline) {
        Bound holder = bound.get(pageId + "/" + contactKey);
        if (onlyIfUnbound && holder != null && !holder.psid().equals(psid)) {
            return false;
        }
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        failIfAsked();
        Bound old = bound.get(pageId + "/" + contactKey);
        if (old != null && old.at() > eventTimestampMillis) {
            return false;
        }
        bound.put(pageId + "/" + contactKey, new Bound(psid, eventTimestampMillis, source));
        return true;
    }

    @Override
    public synchronized int importBindings(String pageId, List<ImportedBinding> bindings, Instant importedAt,
                                           Deadline deadline) {
        failIfAsked();
        bindings.forEach(binding -> bound.put(pageId + "/" + binding.contactKey(),
                new Bound(binding.psid(), importedAt.toEpochMilli(), "import")));
        return bindings.size();
    }

    private void failIfAsked() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }
}
