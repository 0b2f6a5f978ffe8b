package ai.joinchat.push.secrets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps secrets in memory for a bounded age, so a warm container does not call Secrets Manager
 * per request and a changed secret takes effect within that age. Failures are not cached.
 *
 * <p>Unknown ids (a request naming a page that has no secret) cost almost nothing:
 * <ul>
 *   <li>"No such secret" is remembered in a separate, bounded cache with its own, shorter age;
 *       when it is full its oldest entry goes. Secrets that exist live in their own map, which
 *       unknown ids never touch, so no flood evicts or slows a known page.</li>
 *   <li>Lookups of ids in neither cache pass a token bucket (per container). Beyond it the id is
 *       answered "absent" without a lookup: for the send API that is the same 401 as a wrong
 *       signature, and a real page that is new gets its lookup on a later request.</li>
 *   <li>A known secret past its age is fetched again without passing the bucket.</li>
 * </ul>
 */
public final class CachedSecretSource implements SecretSource {

    /** Unknown ids remembered at most. */
    public static final int DEFAULT_MAX_UNKNOWN_IDS = 10_000;
    /** Lookups of ids in neither cache: a burst of 20, then 10 per second. */
    public static final int DEFAULT_LOOKUP_BURST = 20;
    public static final double DEFAULT_LOOKUPS_PER_SECOND = 10;
    private static final Duration DEFAULT_MISSING_MAX_AGE = Duration.ofSeconds(60);

    private record Known(String value, Instant expiresAt) {
    }

    private final SecretSource delegate;
    private final Duration maxAge;
    private final Duration missingMaxAge;
    private final Clock clock;
    private final TokenBucket unknownLookups;
    private final ConcurrentMap<String, Known> known = new ConcurrentHashMap<>();
    private final UnknownIds unknown;
    private final AtomicLong lookupsRefused = new AtomicLong();

    /** Missing secrets are remembered for the max age or 60 s, whichever is shorter. */
    public CachedSecretSource(SecretSource delegate, Duration maxAge, Clock clock) {
        this(delegate, maxAge, maxAge.compareTo(DEFAULT_MISSING_MAX_AGE) < 0 ? maxAge : DEFAULT_MISSING_MAX_AGE, clock);
    }

    public CachedSecretSource(SecretSource delegate, Duration maxAge, Duration missingMaxAge, Clock clock) {
        this(delegate, maxAge, missingMaxAge, DEFAULT_MAX_UNKNOWN_IDS,
                new TokenBucket(DEFAULT_LOOKUP_BURST, DEFAULT_LOOKUPS_PER_SECOND, clock), clock);
    }

    public CachedSecretSource(SecretSource delegate, Duration maxAge, Duration missingMaxAge, int maxUnknownIds,
                              TokenBucket unknownLookups, Clock clock) {
        this.delegate = delegate;
        this.maxAge = maxAge;
        this.missingMaxAge = missingMaxAge;
        this.clock = clock;
        this.unknownLookups = unknownLookups;
        this.unknown = new UnknownIds(maxUnknownIds);
    }

    @Override
    public Optional<String> secretString(String secretId) {
        Instant now = clock.instant();
        Known cached = known.get(secretId);
        if (cached != null) {
            return now.isBefore(cached.expiresAt()) ? Optional.of(cached.value()) : fetch(secretId, now);
        }
        if (unknown.isAbsentAt(secretId, now)) {
            return Optional.empty();
        }
        if (!unknownLookups.tryTake()) {
            lookupsRefused.incrementAndGet();
            return Optional.empty();
        }
        return fetch(secretId, now);
    }

    /** Fetches now, whatever is cached, and replaces the cached entry (token rotation). */
    @Override
    public Optional<String> freshSecretString(String secretId) {
        return fetch(secretId, clock.instant());
    }

    /** Lookups of unknown ids answered "absent" by the rate limit since this cache was built. */
    public long lookupsRefused() {
        return lookupsRefused.get();
    }

    private Optional<String> fetch(String secretId, Instant now) {
        Optional<String> fresh = delegate.freshSecretString(secretId);
        if (fresh.isPresent()) {
            // Kept even with a zero max age: the id stays known, so its next fetch skips the limiter.
            known.put(secretId, new Known(fresh.get(), now.plus(maxAge)));
            unknown.forget(secretId);
        } else {
            known.remove(secretId);
            if (!missingMaxAge.isZero() && !missingMaxAge.isNegative()) {
                unknown.remember(secretId, now.plus(missingMaxAge));
            }
        }
        return fresh;
    }

    /** Ids known to have no secret, until an expiry; the oldest entry goes when full. */
    private static final class UnknownIds {

        private final Map<String, Instant> entries;

        UnknownIds(int maxEntries) {
            this.entries = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
                    return size() > maxEntries;
                }
            };
        }

        synchronized boolean isAbsentAt(String id, Instant now) {
            Instant until = entries.get(id);
            return until != null && now.isBefore(until);
        }

        synchronized void remember(String id, Instant until) {
            entries.remove(id); // re-inserted at the young end
            entries.put(id, until);
        }

        synchronized void forget(String id) {
            entries.remove(id);
        }
    }
}
