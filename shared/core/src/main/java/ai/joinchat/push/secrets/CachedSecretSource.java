package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;

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
 * Keeps secrets in memory for a bounded age, so a warm container does not call Secrets Manager per
 * request and a changed secret takes effect within that age. Failures are not cached.
 *
 * <p>Configured pages are never refused, and unknown page ids cost almost nothing. An id the
 * {@link SecretDirectory} lists is fetched without limit. "No such secret" is remembered in a
 * separate bounded cache (shorter age, oldest out first) that never evicts known secrets, unless a
 * listing taken since shows the id (a page created after a 401). Any other page id passes a token
 * bucket per container; beyond it the id is answered {@link SecretLookup.Deferred} (503 with
 * {@code Retry-After}, or a retry), never "absent". Known secrets past their age and ids outside
 * the page prefix (the app secret) skip the bucket.
 */
public final class CachedSecretSource implements SecretSource {

    /** Unknown ids remembered at most. */
    public static final int DEFAULT_MAX_UNKNOWN_IDS = 10_000;
    /** Lookups of ids neither cached nor listed: a burst of 20, then 10 per second. */
    public static final int DEFAULT_LOOKUP_BURST = 20;
    public static final double DEFAULT_LOOKUPS_PER_SECOND = 10;
    private static final Duration DEFAULT_MISSING_MAX_AGE = Duration.ofSeconds(60);

    private record Known(String value, Instant expiresAt) {
    }

    private final SecretSource delegate;
    private final SecretDirectory directory;
    private final Duration maxAge;
    private final Duration missingMaxAge;
    private final Clock clock;
    private final TokenBucket unknownLookups;
    private final ConcurrentMap<String, Known> known = new ConcurrentHashMap<>();
    private final UnknownIds unknown;
    private final AtomicLong lookupsRefused = new AtomicLong();

    /** Missing secrets are remembered for the max age or 60 s, whichever is shorter. */
    public CachedSecretSource(SecretSource delegate, SecretDirectory directory, Duration maxAge, Clock clock) {
        this(delegate, directory, maxAge, maxAge.compareTo(DEFAULT_MISSING_MAX_AGE) < 0 ? maxAge : DEFAULT_MISSING_MAX_AGE,
                DEFAULT_MAX_UNKNOWN_IDS, new TokenBucket(DEFAULT_LOOKUP_BURST, DEFAULT_LOOKUPS_PER_SECOND, clock), clock);
    }

    public CachedSecretSource(SecretSource delegate, SecretDirectory directory, Duration maxAge, Duration missingMaxAge,
                              int maxUnknownIds, TokenBucket unknownLookups, Clock clock) {
        this.delegate = delegate;
        this.directory = directory;
        this.maxAge = maxAge;
        this.missingMaxAge = missingMaxAge;
        this.clock = clock;
        this.unknownLookups = unknownLookups;
        this.unknown = new UnknownIds(maxUnknownIds);
    }

    @Override
    public SecretLookup<String> lookup(String secretId) {
        Instant now = clock.instant();
        Known cached = known.get(secretId);
        if (cached != null) {
            return now.isBefore(cached.expiresAt()) ? new SecretLookup.Found<>(cached.value()) : fetch(secretId, now);
        }
        if (directory.isConfiguration(secretId)) {
            return fetch(secretId, now);
        }
        Instant absentSince = unknown.absentSince(secretId, now);
        if (listedSince(directory.current(), secretId, absentSince)
                || (absentSince == null && unknownLookups.tryTake())
                || listedSince(directory.fresh(), secretId, absentSince)) {
            return fetch(secretId, now);
        }
        if (absentSince != null) {
            return new SecretLookup.Absent<>();
        }
        lookupsRefused.incrementAndGet();
        return new SecretLookup.Deferred<>();
    }

    /** Listed, by a listing taken after the store last said it had no such secret (if it did). */
    private static boolean listedSince(SecretDirectory.Listing listing, String secretId, Instant absentSince) {
        return listing.ids().contains(secretId) && (absentSince == null || listing.takenAt().isAfter(absentSince));
    }

    /**
     * The secret; a lookup the limit defers throws a transient {@link DependencyUnavailableException}
     * (never "absent"). Callers that can answer "later" use {@link #lookup(String)}.
     */
    @Override
    public Optional<String> secretString(String secretId) {
        return lookup(secretId).decided();
    }

    /** Fetches now, whatever is cached, and replaces the cached entry (token rotation). */
    @Override
    public Optional<String> freshSecretString(String secretId) {
        return fetch(secretId, clock.instant()).found();
    }

    /** Lookups of ids neither cached nor listed that the rate limit deferred since this cache was built. */
    public long lookupsRefused() {
        return lookupsRefused.get();
    }

    private SecretLookup<String> fetch(String secretId, Instant now) {
        Optional<String> fresh = delegate.freshSecretString(secretId);
        if (fresh.isPresent()) {
            // Kept even with a zero max age: the id stays known, so its next fetch skips the limiter.
            known.put(secretId, new Known(fresh.get(), now.plus(maxAge)));
            unknown.forget(secretId);
        } else {
            known.remove(secretId);
            if (!missingMaxAge.isZero() && !missingMaxAge.isNegative()) {
                unknown.remember(secretId, now, now.plus(missingMaxAge));
            }
        }
        return SecretLookup.of(fresh);
    }

    /** Ids known to have no secret, from when until when; the oldest entry goes when full. */
    private static final class UnknownIds {

        private record Entry(Instant since, Instant until) {
        }

        private final Map<String, Entry> entries;

        UnknownIds(int maxEntries) {
            this.entries = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                    return size() > maxEntries;
                }
            };
        }

        /** When the store said there is no such secret, if that answer is still good at {@code now}; else null. */
        synchronized Instant absentSince(String id, Instant now) {
            Entry entry = entries.get(id);
            return entry != null && now.isBefore(entry.until()) ? entry.since() : null;
        }

        synchronized void remember(String id, Instant since, Instant until) {
            entries.remove(id); // re-inserted at the young end
            entries.put(id, new Entry(since, until));
        }

        synchronized void forget(String id) {
            entries.remove(id);
        }
    }
}
