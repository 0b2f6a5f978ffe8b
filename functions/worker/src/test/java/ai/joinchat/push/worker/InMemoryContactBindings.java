package ai.joinchat.push.worker;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.ImportedBinding;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

final class InMemoryContactBindings implements ContactBindings {

    private final Map<String, String> psids = new ConcurrentHashMap<>();
    volatile boolean down;

    @Override
    public Optional<String> psidFor(String pageId, String contactKey) {
        if (down) {
            throw new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
        }
        return Optional.ofNullable(psids.get(pageId + "|" + contactKey));
    }

    @Override
    public boolean bind(String pageId, String contactKey, String psid, long eventTimestampMillis, String source) {
        psids.put(pageId + "|" + contactKey, psid);
        return true;
    }

    @Override
    public boolean bindIfUnbound(String pageId, String contactKey, String psid, long eventTimestampMillis, String source) {
        return psid.equals(psids.computeIfAbsent(pageId + "|" + contactKey, key -> psid));
    }

    @Override
    public int importBindings(String pageId, List<ImportedBinding> bindings, Instant importedAt) {
        bindings.forEach(binding -> psids.put(pageId + "|" + binding.contactKey(), binding.psid()));
        return bindings.size();
    }
}
