package ai.joinchat.push.worker;

import ai.joinchat.push.store.QuickReplyOffers;

import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** Quick-reply offers in memory; {@code failure}, when set, is thrown by {@link #record}. */
final class RecordingOffers implements QuickReplyOffers {

    final Set<Offer> recorded = ConcurrentHashMap.newKeySet();
    volatile RuntimeException failure;

    @Override
    public void record(String pageId, String psid, Set<Kind> kinds, Instant at) {
        if (failure != null) {
            throw failure;
        }
        kinds.forEach(kind -> recorded.add(new Offer(pageId, psid, kind)));
    }

    @Override
    public Set<Offer> live(Collection<Offer> offers, Instant now) {
        return offers.stream().filter(recorded::contains).collect(Collectors.toSet());
    }
}
