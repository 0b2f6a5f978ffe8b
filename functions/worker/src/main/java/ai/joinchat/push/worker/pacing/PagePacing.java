package ai.joinchat.push.worker.pacing;

import ai.joinchat.push.Deadline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Paces a page's Send API calls once Facebook has throttled it, across all worker containers:
 * one item per page in a {@link Store} holds the send interval, the next free slot (GCRA) and
 * when pacing ends. Only a page this container saw throttled within {@link #PACED_FOR}, or one
 * {@link #pacedElsewhere}, costs a call; other pages are never slowed.
 *
 * <p>The rate adapts AIMD-like: a first throttle starts from what Facebook accepted in the last
 * second ({@link #LEARNED_SHARE}; else the page's last rate, else {@link #DEFAULT_RATE}), each further
 * one slows it by {@link #DECREASE}; Facebook's own wait moves the next slot after it. Thread-safe.
 */
public final class PagePacing {

    /** How long a page stays paced after its last throttle. */
    static final Duration PACED_FOR = Duration.ofMinutes(2);
    /** The starting rate when nothing better is known (Messenger's audio / video limit). */
    public static final double DEFAULT_RATE = 10;
    /** The learned rate starts this much below what Facebook just accepted. */
    static final double LEARNED_SHARE = 0.9;
    /**
     * Gentle, because refusals also come from copies coming back together: with 0.8 once a
     * second, four containers under load cut a 20/s page to 2/s within seconds.
     */
    static final double DECREASE = 0.9;
    /** The least time between two decreases, so one bunch of refusals counts once. */
    public static final Duration DECREASE_EVERY = Duration.ofSeconds(2);
    /** A page is never paced slower than this. */
    static final double SLOWEST_RATE = 0.2;
    private static final int MAX_SUCCESSES_KEPT = 2_000;

    public interface Store {
        /** Takes the page's next send slot, or empty when the page is not paced (any more). */
        Optional<Instant> reserve(String pageId, Instant now, Deadline deadline);

        /**
         * Starts pacing at {@code ratePerSecond} (0: the previous rate, else {@link #DEFAULT_RATE}),
         * or slows a paced page; nothing is sent before {@code notBefore}. Returns the rate now.
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
        this.store = store;
    }

    public boolean paced(String pageId, Instant now) {
        Local local = pages.get(pageId);
        Instant until = local == null ? null : local.pacedUntil;
        return until != null && now.isBefore(until);
    }

    /** When the page's next message may be sent: {@code now} (no call) unless paced. */
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

    /** A copy another container put back for its slot came here: pace the page's other messages too. */
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

    /** Starts or tightens the page's pace and reserves a slot; {@code comeBackAfter} is Facebook's wait or zero. */
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
