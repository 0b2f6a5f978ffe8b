package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The page secrets that exist, by name (ListSecrets under the page prefix, names only), kept per
 * container so that a configured page's secret is looked up without waiting for the limit on unknown
 * ids. A listing is positive evidence only: ListSecrets is eventually consistent, so a name it lacks
 * proves nothing. Refreshes are single-flight, at most every {@link #MIN_INTERVAL} and at least every
 * {@link #MAX_AGE}; a failed one keeps the last listing, is logged once, counted
 * ({@code SecretListingUnavailable}) and retried after {@link #MIN_INTERVAL} (transient) or
 * {@link #MAX_AGE} (denied, not supported): correctness never depends on it.
 */
public final class SecretDirectory {

    /** A listing older than this is reloaded before it is used. */
    public static final Duration MAX_AGE = Duration.ofSeconds(60);
    /** The least time between two listings (on-demand refreshes included). */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(5);

    /** One listing: the names, and when they were listed. */
    record Listing(Set<String> ids, Instant takenAt) {
        static final Listing NONE = new Listing(Set.of(), Instant.MIN);
    }

    private final SecretSource source;
    private final String prefix;
    private final Clock clock;
    private final JsonLogger log;
    private final Metrics metrics;
    private final Object refreshing = new Object();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private volatile Listing listing = Listing.NONE;
    private volatile Instant nextAttempt = Instant.MIN;

    public SecretDirectory(SecretSource source, String prefix, Clock clock, JsonLogger log, Metrics metrics) {
        this.source = source;
        this.prefix = prefix;
        this.clock = clock;
        this.log = log;
        this.metrics = metrics;
    }

    /**
     * Whether {@code id} is outside the listed prefix: a secret of the deployment's configuration
     * (the app secret), never a caller's choice, so it needs no listing and no limit.
     */
    boolean isConfiguration(String id) {
        return !id.startsWith(prefix);
    }

    /** The listing, reloaded first when it is older than {@link #MAX_AGE} (or there is none yet). */
    Listing current() {
        return refreshIfOlderThan(MAX_AGE);
    }

    /** The listing, reloaded first when it is older than {@link #MIN_INTERVAL}: for an id the listing lacks. */
    Listing fresh() {
        return refreshIfOlderThan(MIN_INTERVAL);
    }

    private Listing refreshIfOlderThan(Duration age) {
        Listing last = listing;
        Instant now = clock.instant();
        if (isYoung(last, age, now) || now.isBefore(nextAttempt)) {
            return last;
        }
        synchronized (refreshing) {
            last = listing;
            now = clock.instant();
            if (isYoung(last, age, now) || now.isBefore(nextAttempt)) {
                return last; // another caller refreshed it meanwhile, or listing is resting after a failure
            }
            try {
                Listing fresh = new Listing(Set.copyOf(source.secretIds(prefix)), now);
                listing = fresh;
                nextAttempt = now.plus(MIN_INTERVAL);
                return fresh;
            } catch (DependencyUnavailableException | UnsupportedOperationException e) {
                boolean resting = e instanceof DependencyUnavailableException failure && failure.isTransient();
                nextAttempt = now.plus(resting ? MIN_INTERVAL : MAX_AGE);
                metrics.count("SecretListingUnavailable", 1);
                if (failureLogged.compareAndSet(false, true)) {
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
