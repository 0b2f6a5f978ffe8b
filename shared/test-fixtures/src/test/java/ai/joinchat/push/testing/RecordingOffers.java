package ai.joinchat.push.testing;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.store.QuickReplyOffers;

import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Quick-reply offers in memory: {@link #live} answers the recorded ones, or every one while
 * {@link #all} is set; {@link #offeredAsText} the recorded text payloads; {@link #failure}, when
 * set, is thrown by {@link #record}; {@link #onRecord} runs first.
 */
public final class RecordingOffers implements QuickReplyOffers {

    public final Set<Offer> recorded = ConcurrentHashMap.newKeySet();
    public final Set<TextPayload> textPayloads = ConcurrentHashMap.newKeySet();
    public volatile boolean all;
    public volatile RuntimeException failure;
    /** Run by {@link #record} before anything else: a test looks at the world as the offer is written. */
    public volatile Runnable onRecord = () -> { };

    @Override
    public void record(String pageId, String psid, Set<Kind> kinds, Set<String> payloads, Instant at) {
        onRecord.run();
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
        kinds.forEach(kind -> recorded.add(new Offer(pageId, psid, kind)));
        payloads.forEach(payload -> textPayloads.add(new TextPayload(pageId, psid, payload)));
    }

    @Override
    public Set<Offer> live(Collection<Offer> offers, Instant now, Deadline deadline) {
        return offers.stream().filter(offer -> all || recorded.contains(offer)).collect(Collectors.toSet());
    }

    @Override
    public Set<TextPayload> offeredAsText(Collection<TextPayload> payloads, Instant now, Deadline deadline) {
        return payloads.stream().filter(textPayloads::contains).collect(Collectors.toSet());
    }
}
