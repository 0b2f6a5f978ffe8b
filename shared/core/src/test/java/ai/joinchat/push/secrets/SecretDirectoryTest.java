package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The directory of page secrets in front of the limited direct lookups (contract section 2): a
 * configured page is never refused because of the limit, a flood of unknown ids costs a bounded
 * number of calls, and nothing depends on ListSecrets working. The clock only moves when a test
 * moves it, so every count is exact.
 */
class SecretDirectoryTest {

    private static final String PREFIX = "joinchat/pages/";

    private Instant now = Instant.parse("2026-12-07T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final ByteArrayOutputStream emitted = new ByteArrayOutputStream();
    private final JsonLogger log = new JsonLogger("test", JsonLogger.Level.INFO,
            new PrintStream(logged, true, StandardCharsets.UTF_8), clock);
    private final Metrics metrics = new Metrics("test", new PrintStream(emitted, true, StandardCharsets.UTF_8), clock);

    /** A store that counts GetSecretValue and ListSecrets calls, and can refuse to list. */
    private static final class Store implements SecretSource {
        final Map<String, String> secrets = new ConcurrentHashMap<>();
        final AtomicInteger gets = new AtomicInteger();
        final AtomicInteger lists = new AtomicInteger();
        volatile RuntimeException listingFailure;

        @Override
        public Optional<String> secretString(String secretId) {
            gets.incrementAndGet();
            return Optional.ofNullable(secrets.get(secretId));
        }

        @Override
        public Set<String> secretIds(String prefix) {
            lists.incrementAndGet();
            if (listingFailure != null) {
                throw listingFailure;
            }
            return secrets.keySet().stream().filter(id -> id.startsWith(prefix)).collect(Collectors.toSet());
        }
    }

    private final Store store = new Store();

    private CachedSecretSource cache() {
        return new CachedSecretSource(store, PREFIX, Duration.ofHours(1), clock, log, metrics);
    }

    private void configure(int pages) {
        for (int i = 0; i < pages; i++) {
            store.secrets.put(PREFIX + (1000 + i), "{\"api_secret\":\"s" + i + "\"}");
        }
    }

    @Test
    void fortyConfiguredPagesOnAColdContainerAreAllFoundWithOneListing() {
        configure(40);
        CachedSecretSource cache = cache();

        int refused = 0;
        for (int i = 0; i < 40; i++) {
            SecretLookup<String> lookup = cache.lookup(PREFIX + (1000 + i));
            assertTrue(lookup.found().isPresent(), "page " + i);
            refused += lookup.deferred() ? 1 : 0;
        }

        assertEquals(1, store.lists.get());
        assertEquals(40, store.gets.get(), "one GetSecretValue per page, none refused by the limit");
        assertEquals(0, refused);
    }

    @Test
    void aFloodOfUnknownIdsIsBoundedAndNeverDelaysAConfiguredPageNotLookedUpYet() {
        configure(6);
        CachedSecretSource cache = cache();
        int requests = 2000;
        int deferred = 0;
        for (int i = 0; i < requests; i++) {
            now = now.plusMillis(1);
            SecretLookup<String> lookup = cache.lookup(PREFIX + (9_000_000 + i));
            assertTrue(lookup.found().isEmpty(), "an unknown id is never found");
            deferred += lookup.deferred() ? 1 : 0;
        }
        int floodCalls = store.gets.get() + store.lists.get();
        assertTrue(floodCalls < requests / 20, "far fewer than one call per request: " + floodCalls);
        assertTrue(deferred > requests / 2, "beyond the limit unknown ids are deferred, not concluded absent: " + deferred);

        int before = store.gets.get();
        for (int i = 0; i < 6; i++) {
            assertTrue(cache.lookup(PREFIX + (1000 + i)).found().isPresent(), "configured page " + i + " is found");
        }
        assertEquals(before + 6, store.gets.get(), "the configured pages were looked up at once, limit spent or not");
    }

    @Test
    void aPageCreatedAfterTheListingIsDeferredThenFoundNeverAbsent() {
        configure(1);
        CachedSecretSource cache = new CachedSecretSource(store, PREFIX,
                Duration.ofHours(1), Duration.ofSeconds(60), 100, new TokenBucket(1, 0.001, clock), clock, log, metrics);
        assertTrue(cache.lookup(PREFIX + "1000").found().isPresent());
        assertEquals(new SecretLookup.Absent<String>(), cache.lookup(PREFIX + "404"), "the one permit: GetSecretValue says absent");

        store.secrets.put(PREFIX + "2000", "{\"api_secret\":\"new\"}");
        store.secrets.put(PREFIX + "404", "{\"api_secret\":\"created after a 401\"}");
        assertTrue(cache.lookup(PREFIX + "2000").deferred(), "not listed yet, no permit: deferred, never absent");
        assertEquals(new SecretLookup.Absent<String>(), cache.lookup(PREFIX + "404"), "still the store's last word");
        assertEquals(1, store.lists.get(), "no listing before the least interval has passed");

        now = now.plus(CachedSecretSource.LISTING_MIN_INTERVAL);
        assertTrue(cache.lookup(PREFIX + "2000").found().isPresent(), "the on-demand listing shows it");
        assertTrue(cache.lookup(PREFIX + "404").found().isPresent(), "a listing newer than the absence wins");
        assertEquals(2, store.lists.get());
    }

    @Test
    void withoutListingTheDirectLookupStillDecidesAndTheFailureIsLoggedOnce() {
        configure(30);
        store.listingFailure = new DependencyUnavailableException("Secrets Manager", SecretsManagerException.builder()
                .statusCode(400).message("not authorized to perform secretsmanager:ListSecrets")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDeniedException").build()).build());
        CachedSecretSource cache = cache();
        int found = 0;
        for (int i = 0; i < 30; i++) {
            SecretLookup<String> lookup = cache.lookup(PREFIX + (1000 + i));
            assertFalse(lookup instanceof SecretLookup.Absent, "a configured page is never absent");
            found += lookup.found().isPresent() ? 1 : 0;
        }
        assertEquals(CachedSecretSource.DEFAULT_LOOKUP_BURST, found, "the limit's burst found; the rest are deferred");
        int gets = store.gets.get();
        assertTrue(cache.lookup(PREFIX + "1000").found().isPresent());
        assertEquals(gets, store.gets.get(), "found ones stay cached");

        now = now.plusSeconds(1);
        for (int i = CachedSecretSource.DEFAULT_LOOKUP_BURST; i < 30; i++) {
            assertTrue(cache.lookup(PREFIX + (1000 + i)).found().isPresent(), "page " + i + " found a second later");
        }
        now = now.plus(CachedSecretSource.LISTING_MIN_INTERVAL);
        cache.lookup(PREFIX + "77777");
        assertEquals(1, store.lists.get(), "access denied is not retried after the least interval");
        now = now.plus(CachedSecretSource.LISTING_MAX_AGE);
        cache.lookup(PREFIX + "77778");
        assertEquals(2, store.lists.get(), "but after the listing's max age");
        String logs = logged.toString(StandardCharsets.UTF_8);
        assertEquals(1, logs.split("secret_listing_unavailable", -1).length - 1, "logged once: " + logs);
        metrics.flush();
        assertEquals(2, emitted.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains("SecretListingUnavailable"))
                .mapToLong(line -> Json.parse(line).path("SecretListingUnavailable").asLong()).sum(), "counted every time");
    }

    @Test
    void aTransientListingFailureIsRetriedSoonerAndTheAppSecretIsNeverLimited() {
        configure(1);
        store.secrets.put("joinchat/app", "{\"app_secret\":\"a\"}");
        store.listingFailure = new DependencyUnavailableException("Secrets Manager", null);
        CachedSecretSource cache = new CachedSecretSource(store, PREFIX,
                Duration.ZERO, Duration.ofSeconds(60), 100, new TokenBucket(1, 0.001, clock), clock, log, metrics);
        assertTrue(cache.lookup(PREFIX + "1000").found().isPresent(), "the permit");
        for (int i = 0; i < 5; i++) {
            assertTrue(cache.lookup("joinchat/app").found().isPresent(), "configuration, not a caller's id: no limit");
        }
        assertEquals(1, store.lists.get());
        store.listingFailure = null;
        now = now.plus(CachedSecretSource.LISTING_MIN_INTERVAL);
        assertTrue(cache.lookup(PREFIX + "1000").found().isPresent(), "a known page past its age: fetched, not listed");
        assertEquals(1, store.lists.get());
        assertTrue(cache.lookup(PREFIX + "5555").deferred(), "not listed, no permit: deferred");
        assertEquals(2, store.lists.get(), "retried after the least interval");
    }
}
