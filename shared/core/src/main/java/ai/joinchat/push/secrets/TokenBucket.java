package ai.joinchat.push.secrets;

import java.time.Clock;

/**
 * A token bucket: at most {@code capacity} permits at once, refilled at {@code permitsPerSecond}.
 * Bounds how often something costly may happen per container, whatever the request rate.
 * Thread-safe; time comes from the clock, so tests can drive it.
 */
public final class TokenBucket {

    /** Tokens are counted in millionths of a permit, so refills add up exactly. */
    private static final long UNITS_PER_PERMIT = 1_000_000;

    private final long capacity;
    private final long unitsPerMilli;
    private final Clock clock;
    private long tokens;
    private long lastRefillMillis;

    public TokenBucket(int capacity, double permitsPerSecond, Clock clock) {
        if (capacity < 1 || !(permitsPerSecond > 0)) {
            throw new IllegalArgumentException("capacity must be >= 1 and the rate > 0");
        }
        this.capacity = capacity * UNITS_PER_PERMIT;
        this.unitsPerMilli = Math.max(1, Math.round(permitsPerSecond * UNITS_PER_PERMIT / 1000));
        this.clock = clock;
        this.tokens = this.capacity;
        this.lastRefillMillis = clock.millis();
    }

    /** Takes one permit if there is one; never waits. */
    public synchronized boolean tryTake() {
        long now = clock.millis();
        if (now > lastRefillMillis) {
            long elapsed = Math.min(now - lastRefillMillis, capacity / unitsPerMilli + 1);
            tokens = Math.min(capacity, tokens + elapsed * unitsPerMilli);
            lastRefillMillis = now;
        }
        if (tokens >= UNITS_PER_PERMIT) {
            tokens -= UNITS_PER_PERMIT;
            return true;
        }
        return false;
    }
}
