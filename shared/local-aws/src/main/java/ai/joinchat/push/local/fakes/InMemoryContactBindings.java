package ai.joinchat.push.local.fakes;

import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.ImportedBinding;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ContactBindings} in memory for unit tests of the functions: a newer binding (by its
 * timestamp) replaces an older one; an import replaces whatever was there.
 */
public final class InMemoryContactBindings implements ContactBindings {

    private record Bound(String psid, long at) {
    }

    private final Map<String, Bound> bound = new ConcurrentHashMap<>();

    @Override
    public Optional<String> psidFor(String pageId, String contactKey) {
        return Optional.ofNullable(bound.get(pageId + "|" + contactKey)).map(Bound::psid);
    }

    @Override
    public synchronized boolean bind(String pageId, String contactKey, String psid, long eventTimestampMillis,
                                     String source) {
        Bound old = bound.get(pageId + "|" + contactKey);
        if (old != null && old.at() > eventTimestampMillis) {
            return false;
        }
        bound.put(pageId + "|" + contactKey, new Bound(psid, eventTimestampMillis));
        return true;
    }

    @Override
    public synchronized boolean bindIfUnbound(String pageId, String contactKey, String psid,
                                              long eventTimestampMillis, String source) {
        Bound old = bound.get(pageId + "|" + contactKey);
        if (old != null && !old.psid().equals(psid)) {
            return false;
        }
        return bind(pageId, contactKey, psid, eventTimestampMillis, source);
    }

    @Override
    public synchronized int importBindings(String pageId, List<ImportedBinding> bindings, Instant importedAt) {
        bindings.forEach(binding -> bound.put(pageId + "|" + binding.contactKey(),
                new Bound(binding.psid(), importedAt.toEpochMilli())));
        return bindings.size();
    }
}
