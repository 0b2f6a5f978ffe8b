package ai.joinchat.push.worker.pacing;

import ai.joinchat.push.Deadline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Paces a page's Send API calls once Facebook has throttled it, for every worker container at once.
 *
 * <p>The shared state is one small item per page in a {@link Store} (DynamoDB): a send interval
 * (the page's learned rate), the next free send slot (a GCRA "theoretical arrival time") and the
 * time pacing ends. A message of a paced page reserves the next slot with one conditional write
 * and is sent then, so a burst is spread at the learned rate across all containers instead of
 * hitting the limit again and again. Pacing is engaged only for a page this container has seen
 * throttled within {@link #PACED_FOR}, or whose copy another container put back for its slot
 * ({@link #pacedElsewhere}): other pages (and every page before then) cost no call at all. Other pages are never slowed: all state is per page.
 *
 * <p>The rate is learned and adjusted AIMD-like: the first throttle starts pacing at 90% of the
 * successes this container saw for the page in the last second (what Facebook just accepted), or
 * at the rate the page had last time, or {@link #DEFAULT_RATE}; each further throttle while paced
 * multiplies the rate by {@link #DECREASE} (at most once every {@link #DECREASE_EVERY}, so one
 * bunch of refusals counts once: copies come back on SQS's whole seconds and may bunch); pacing ends
 * {@link #PACED_FOR} after the last throttle, and the next burst learns the rate afresh (the
 * additive probe). Facebook's own hint ({@code Retry-After}, {@code estimated_time_to_regain_access})
 * moves the next free slot to after it.
 *
 * <p>Thread-safe; one instance per container.
 */
public final class PagePacing {

    /** How long a page stays paced after its last throttle. */
    static final Duration PACED_FOR = Duration.ofMinutes(2);
    /** The starting rate when nothing better is known (Messenger's audio / video limit). */
    public static final double DEFAULT_RATE = 10;
    /** The learned rate starts this much below what Facebook just accepted. */
    static final double LEARNED_SHARE = 0.9;
    /**
     * Each further throttle while paced multiplies the rate by this, at most once every
     * {@link #DECREASE_EVERY}. Gentle, because refusals also come from the jitter of copies
     * coming back together, not only from a rate that is too high: with 0.8 once a second, four
     * worker containers under load cut a 20/s page to 2/s within seconds.
     */
    static final double DECREASE = 0.9;
    /** The least time between two decreases of a page's rate. */
    public static final Duration DECREASE_EVERY = Duration.ofSeconds(2);
    /** A page is never paced slower than this. */
    static final double SLOWEST_RATE = 0.2;
    private static final int MAX_SUCCESSES_KEPT = 2_000;

    /** The shared per-page pace. */
    public interface Store {
        /**
         * Takes the page's next send slot (and moves the next free one on by the interval), or
         * empty when the page is not paced (any more).
         */
        Optional<Instant> reserve(String pageId, Instant now, Deadline deadline);

        /**
         * Facebook throttled the page: when it is not paced, starts pacing at {@code ratePerSecond}
         * (0: the page's previous rate, else {@link #DEFAULT_RATE}); when it is, halves the rate
         * unless that was done within the last second. Either way nothing is sent before
         * {@code notBefore} and the page stays paced until {@code pacedUntil}.
         *
         * @return the page's rate afterwards (calls per second)
         */
        double throttled(String pageId, double ratePerSecond, Instant notBefore, Instant pacedUntil, Instant now,
                         Deadline deadline);
    }

    /** What this container knows of a page. */
    private static final class Local {
        volatile Instant pacedUntil;
        final ArrayDeque<Instant> successes = new ArrayDeque<>();
    }

    private final Store store;
    private final Map<String, Local> pages = new ConcurrentHashMap<>();

    public PagePacing(Store store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** True when this container paces the page (it saw it throttled recently). */
    public boolean paced(String pageId, Instant now) {
        Local local = pages.get(pageId);
        Instant until = local == null ? null : local.pacedUntil;
        return until != null && now.isBefore(until);
    }

    /**
     * When the page's next message may be sent: {@code now} for a page that is not paced (no call
     * made), else the slot reserved for it.
     */
    public Instant slot(String pageId, Instant now, Deadline deadline) {
        if (!paced(pageId, now)) {
            return now;
        }
        Optional<Instant> slot = store.reserve(pageId, now, deadline);
        if (slot.isEmpty()) {
            pages.get(pageId).pacedUntil = null;
            return now;
        }
        return slot.get().isBefore(now) ? now : slot.get();
    }

    /**
     * Another container paced the page: a copy it put back for its slot ({@code not_before}) came
     * here. This container then reserves slots for the page's other messages too (from the shared
     * pace, which says when pacing ends) instead of sending them into the limit until its own first
     * throttle. Costs nothing for pages no container has seen throttled.
     */
    public void pacedElsewhere(String pageId, Instant now) {
        Local local = pages.computeIfAbsent(pageId, k -> new Local());
        Instant until = local.pacedUntil;
        if (until == null || until.isBefore(now)) {
            local.pacedUntil = now.plus(PACED_FOR);
        }
    }

    /** Facebook took a message of the page (what it accepts is what a throttle learns from). */
    public void sent(String pageId, Instant now) {
        Local local = pages.computeIfAbsent(pageId, k -> new Local());
        synchronized (local.successes) {
            local.successes.addLast(now);
            trim(local.successes, now);
        }
    }

    /** What a throttle did: the slot reserved for the refused message, and the page's rate now. */
    public record Throttle(Instant slot, double ratePerSecond) {
    }

    /**
     * Facebook throttled a message of the page: starts or tightens the page's pace and reserves a
     * new slot for that message.
     *
     * @param comeBackAfter Facebook's own wait, {@link Duration#ZERO} when it gave none
     */
    public Throttle throttled(String pageId, Duration comeBackAfter, Instant now, Deadline deadline) {
        Local local = pages.computeIfAbsent(pageId, k -> new Local());
        double accepted;
        synchronized (local.successes) {
            trim(local.successes, now);
            accepted = local.successes.size();
        }
        Instant notBefore = now.plus(comeBackAfter);
        Instant pacedUntil = notBefore.plus(PACED_FOR);
        double rate = store.throttled(pageId, accepted * LEARNED_SHARE, notBefore, pacedUntil, now, deadline);
        local.pacedUntil = pacedUntil;
        Instant slot = store.reserve(pageId, now, deadline).orElse(notBefore);
        return new Throttle(slot.isBefore(notBefore) ? notBefore : slot, rate);
    }

    private static void trim(ArrayDeque<Instant> successes, Instant now) {
        Instant oldest = now.minusSeconds(1);
        while (!successes.isEmpty() && (successes.peekFirst().isBefore(oldest) || successes.size() > MAX_SUCCESSES_KEPT)) {
            successes.removeFirst();
        }
    }

    /** The multiplicative decrease: the rate times {@link #DECREASE}, never below {@link #SLOWEST_RATE}. */
    public static long slower(long intervalMicros) {
        return Math.min(Math.round(intervalMicros / DECREASE), intervalMicros(SLOWEST_RATE));
    }

    /** The send interval for a rate, in microseconds. */
    public static long intervalMicros(double ratePerSecond) {
        return Math.round(1_000_000 / Math.max(SLOWEST_RATE, ratePerSecond));
    }

    public static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    public static Instant ofMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
    }
}
