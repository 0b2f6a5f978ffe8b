package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps secrets in memory for a bounded age, so a warm container does not call Secrets Manager per
 * request and a changed secret takes effect within that age. Failures are not cached.
 *
 * <p>Configured pages are never refused, and unknown page ids cost almost nothing: an id the
 * directory (ListSecrets under the page prefix) lists is fetched without limit, "no such secret" is
 * remembered apart without evicting known secrets, and any other id passes a token bucket, beyond
 * which it is {@link SecretLookup.Deferred}, never "absent". A listing is positive evidence only
 * (it is eventually consistent). See docs/operations.md#secrets-and-the-directory-of-configured-pages.
 */
public final class CachedSecretSource implements SecretSource {

    /** Unknown ids remembered at most. */
    public static final int DEFAULT_MAX_UNKNOWN_IDS = 10_000;
    /** Lookups of ids neither cached nor listed: a burst of 20, then 10 per second. */
    public static final int DEFAULT_LOOKUP_BURST = 20;
    public static final double DEFAULT_LOOKUPS_PER_SECOND = 10;
    private static final Duration DEFAULT_MISSING_MAX_AGE = Duration.ofSeconds(60);
    /** A listing older than this is reloaded before it is used. */
    public static final Duration LISTING_MAX_AGE = Duration.ofSeconds(60);
    /** The least time between two listings (on-demand refreshes included). */
    public static final Duration LISTING_MIN_INTERVAL = Duration.ofSeconds(5);

    private record Known(String value, Instant expiresAt) {
    }

    /** The store said there is no such secret {@code since}; that answer holds {@code until}. */
    private record Absence(Instant since, Instant until) {
    }

    /** One listing: the names, and when they were listed. */
    private record Listing(Set<String> ids, Instant takenAt) {
        static final Listing NONE = new Listing(Set.of(), Instant.MIN);
    }

    private final SecretSource delegate;
    private final String pagePrefix;
    private final Duration maxAge;
    private final Duration missingMaxAge;
    private final Clock clock;
    private final TokenBucket unknownLookups;
    private final ConcurrentMap<String, Known> known = new ConcurrentHashMap<>();
    /** Ids known to have no secret, in the order remembered; the oldest goes when full. */
    private final Map<String, Absence> unknown;
    private final JsonLogger log;
    private final Metrics metrics;
    private final Object refreshing = new Object();
    private final AtomicBoolean listingFailureLogged = new AtomicBoolean();
    private volatile Listing listing = Listing.NONE;
    private volatile Instant nextListing = Instant.MIN;

    public CachedSecretSource(SecretSource delegate, String pagePrefix, Duration maxAge, Clock clock, JsonLogger log,
                              Metrics metrics) {
        this(delegate, pagePrefix, maxAge, maxAge.compareTo(DEFAULT_MISSING_MAX_AGE) < 0 ? maxAge : DEFAULT_MISSING_MAX_AGE,
                DEFAULT_MAX_UNKNOWN_IDS, new TokenBucket(DEFAULT_LOOKUP_BURST, DEFAULT_LOOKUPS_PER_SECOND, clock), clock,
                log, metrics);
    }

    public CachedSecretSource(SecretSource delegate, String pagePrefix, Duration maxAge, Duration missingMaxAge,
                              int maxUnknownIds, TokenBucket unknownLookups, Clock clock, JsonLogger log,
                              Metrics metrics) {
        this.delegate = delegate;
        this.pagePrefix = pagePrefix;
        this.maxAge = maxAge;
        this.missingMaxAge = missingMaxAge;
        this.clock = clock;
        this.unknownLookups = unknownLookups;
        this.unknown = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Absence> eldest) {
                return size() > maxUnknownIds;
            }
        });
        this.log = log;
        this.metrics = metrics;
    }

    @Override
    public SecretLookup<String> lookup(String secretId) {
        Instant now = clock.instant();
        Known cached = known.get(secretId);
        if (cached != null) {
            return now.isBefore(cached.expiresAt()) ? new SecretLookup.Found<>(cached.value()) : fetch(secretId, now);
        }
        if (!secretId.startsWith(pagePrefix)) {
            return fetch(secretId, now); // the deployment's configuration (the app secret), never a caller's choice
        }
        Absence absence = unknown.get(secretId);
        Instant absentSince = absence != null && now.isBefore(absence.until()) ? absence.since() : null;
        if (listedSince(listing(LISTING_MAX_AGE), secretId, absentSince)
                || (absentSince == null && unknownLookups.tryTake())
                || listedSince(listing(LISTING_MIN_INTERVAL), secretId, absentSince)) {
            return fetch(secretId, now);
        }
        if (absentSince != null) {
            return new SecretLookup.Absent<>();
        }
        return new SecretLookup.Deferred<>();
    }

    /** Listed by a listing taken after the store last said "no such secret", if it did (a page created after a 401). */
    private static boolean listedSince(Listing listing, String secretId, Instant absentSince) {
        return listing.ids().contains(secretId) && (absentSince == null || listing.takenAt().isAfter(absentSince));
    }

    /** Throws when deferred ({@link SecretLookup#decided()}); callers that can answer "later" use {@link #lookup}. */
    @Override
    public Optional<String> secretString(String secretId) {
        return lookup(secretId).decided();
    }

    @Override
    public Optional<String> freshSecretString(String secretId) {
        return fetch(secretId, clock.instant()).found();
    }

    private SecretLookup<String> fetch(String secretId, Instant now) {
        Optional<String> fresh = delegate.freshSecretString(secretId);
        if (fresh.isPresent()) {
            // Kept even with a zero max age: the id stays known, so its next fetch skips the limiter.
            known.put(secretId, new Known(fresh.get(), now.plus(maxAge)));
            unknown.remove(secretId);
        } else {
            known.remove(secretId);
            if (!missingMaxAge.isZero() && !missingMaxAge.isNegative()) {
                synchronized (unknown) {
                    unknown.remove(secretId); // re-inserted at the young end
                    unknown.put(secretId, new Absence(now, now.plus(missingMaxAge)));
                }
            }
        }
        return SecretLookup.of(fresh);
    }

    /**
     * The listing, reloaded first (single-flight) when it is older than {@code age} or there is none
     * yet. A failed reload keeps the last listing and rests {@link #LISTING_MIN_INTERVAL} (transient)
     * or {@link #LISTING_MAX_AGE} (denied, not supported).
     */
    private Listing listing(Duration age) {
        Listing last = listing;
        Instant now = clock.instant();
        if (isYoung(last, age, now) || now.isBefore(nextListing)) {
            return last;
        }
        synchronized (refreshing) {
            last = listing;
            now = clock.instant();
            if (isYoung(last, age, now) || now.isBefore(nextListing)) {
                return last; // another caller refreshed it meanwhile, or listing is resting after a failure
            }
            try {
                Listing fresh = new Listing(Set.copyOf(delegate.secretIds(pagePrefix)), now);
                listing = fresh;
                nextListing = now.plus(LISTING_MIN_INTERVAL);
                return fresh;
            } catch (DependencyUnavailableException | UnsupportedOperationException e) {
                boolean resting = e instanceof DependencyUnavailableException failure && failure.isTransient();
                nextListing = now.plus(resting ? LISTING_MIN_INTERVAL : LISTING_MAX_AGE);
                metrics.count("SecretListingUnavailable", 1);
                if (listingFailureLogged.compareAndSet(false, true)) {
                    log.warn("secret_listing_unavailable")
                            .with("detail", "page secrets are looked up one by one, within the lookup limit")
                            .with(e)
                            .write();
                }
                return last;
            }
        }
    }

    private static boolean isYoung(Listing listing, Duration age, Instant now) {
        return listing != Listing.NONE && now.isBefore(listing.takenAt().plus(age));
    }
}
