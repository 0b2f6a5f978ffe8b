package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.worker.pacing.PagePacing;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static ai.joinchat.push.worker.pacing.PagePacing.DEFAULT_RATE;
import static ai.joinchat.push.worker.pacing.PagePacing.intervalMicros;
import static ai.joinchat.push.worker.pacing.PagePacing.micros;
import static ai.joinchat.push.worker.pacing.PagePacing.ofMicros;
import static ai.joinchat.push.worker.pacing.PagePacing.slower;

/** {@link PagePacing.Store} as {@code DynamoPaceStore} does it, on one lock in this process (tests). */
final class InProcessPaceStore implements PagePacing.Store {
    private record Pace(long intervalMicros, long nextMicros, Instant pacedUntil, Instant halvedAt) {
    }

    private final Map<String, Pace> paces = new ConcurrentHashMap<>();

    @Override
    public synchronized Optional<Instant> reserve(String pageId, Instant now, Deadline deadline) {
        Pace pace = paces.get(pageId);
        if (pace == null || !now.isBefore(pace.pacedUntil())) {
            return Optional.empty();
        }
        long slot = Math.max(pace.nextMicros(), micros(now));
        paces.put(pageId, new Pace(pace.intervalMicros(), slot + pace.intervalMicros(), pace.pacedUntil(),
                pace.halvedAt()));
        return Optional.of(ofMicros(slot));
    }

    @Override
    public synchronized double throttled(String pageId, double ratePerSecond, Instant notBefore,
                                         Instant pacedUntil, Instant now, Deadline deadline) {
        Pace pace = paces.get(pageId);
        long interval;
        long next;
        Instant halvedAt;
        if (pace == null || !now.isBefore(pace.pacedUntil())) {
            interval = ratePerSecond > 0 ? intervalMicros(ratePerSecond)
                    : pace != null ? pace.intervalMicros() : intervalMicros(DEFAULT_RATE);
            next = micros(notBefore) + interval;
            halvedAt = now;
        } else {
            boolean halve = !now.minus(PagePacing.DECREASE_EVERY).isBefore(pace.halvedAt());
            interval = halve ? slower(pace.intervalMicros()) : pace.intervalMicros();
            next = Math.max(pace.nextMicros(), micros(notBefore));
            halvedAt = halve ? now : pace.halvedAt();
            pacedUntil = pacedUntil.isAfter(pace.pacedUntil()) ? pacedUntil : pace.pacedUntil();
        }
        paces.put(pageId, new Pace(interval, next, pacedUntil, halvedAt));
        return 1_000_000.0 / interval;
    }
}
