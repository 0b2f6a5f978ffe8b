package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachedSecretSourceTest {

    private static final JsonLogger QUIET = new JsonLogger("secrets", "WARN");

    private final Map<String, String> store = new HashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private boolean failing;
    private Instant now = Instant.parse("2026-11-21T00:00:00Z");
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
    /** Lists nothing: every id not cached goes through the limited lookup. */
    private final SecretSource source = new SecretSource() {
        @Override
        public Optional<String> secretString(String id) {
            calls.incrementAndGet();
            if (failing) {
                throw new DependencyUnavailableException("Secrets Manager", null);
            }
            return Optional.ofNullable(store.get(id));
        }

        @Override
        public Set<String> secretIds(String prefix) {
            return Set.of();
        }
    };

    private CachedSecretSource cache(Duration maxAge, Duration missingMaxAge) {
        return new CachedSecretSource(source, "", maxAge, missingMaxAge,
                CachedSecretSource.DEFAULT_MAX_UNKNOWN_IDS,
                new TokenBucket(CachedSecretSource.DEFAULT_LOOKUP_BURST, CachedSecretSource.DEFAULT_LOOKUPS_PER_SECOND,
                        clock), clock, QUIET, null);
    }

    @Test
    void servesFromMemoryWithinTheMaxAgeAndRefetchesAfter() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ofMinutes(5), clock, QUIET, null);
        store.put("a", "v1");
        assertEquals(Optional.of("v1"), cache.secretString("a"));
        store.put("a", "v2");
        now = now.plusSeconds(299);
        assertEquals(Optional.of("v1"), cache.secretString("a"));
        assertEquals(1, calls.get());
        now = now.plusSeconds(2);
        assertEquals(Optional.of("v2"), cache.secretString("a"), "a changed secret takes effect after the max age");
        assertEquals(2, calls.get());
    }

    @Test
    void missingSecretsAreCachedShorterThanPresentOnes() {
        CachedSecretSource cache = cache(Duration.ofMinutes(5), Duration.ofSeconds(60));
        assertTrue(cache.secretString("nope").isEmpty());
        assertTrue(cache.secretString("nope").isEmpty());
        assertEquals(1, calls.get());
        store.put("nope", "now-there");
        now = now.plusSeconds(61);
        assertEquals(Optional.of("now-there"), cache.secretString("nope"));
    }

    @Test
    void failuresAreNotCached() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ofMinutes(5), clock, QUIET, null);
        store.put("a", "v");
        failing = true;
        assertThrows(DependencyUnavailableException.class, () -> cache.secretString("a"));
        failing = false;
        assertEquals(Optional.of("v"), cache.secretString("a"));
    }

    @Test
    void pageSecretsParseTheDocumentedJsonAndRedactInToString() {
        store.put("joinchat/pages/1", "{\"api_secret\":\"s\",\"page_access_token\":\"t\",\"previous_api_secret\":\"p\"}");
        store.put("joinchat/pages/2", "not json");
        store.put("joinchat/app", "{\"app_secret\":\"as\",\"verify_token\":\"vt\"}");
        SecretsProvider provider = new SecretsProvider(source, "joinchat/pages/", "joinchat/app", QUIET);
        PageSecrets page = provider.pageSecrets("1").found().orElseThrow();
        assertEquals(java.util.List.of("s", "p"), page.acceptedApiSecrets());
        assertEquals("t", page.pageAccessToken());
        assertEquals(new SecretLookup.Absent<PageSecrets>(), provider.pageSecrets("2"), "a malformed secret counts as absent");
        assertEquals(new SecretLookup.Absent<PageSecrets>(), provider.pageSecrets("3"));
        assertEquals("vt", provider.appSecrets().orElseThrow().verifyToken());
        assertTrue(!page.toString().contains("s\"") && page.toString().contains("redacted"));
    }

    @Test
    void unknownIdsNeverEvictKnownSecrets() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ofMinutes(5), Duration.ofSeconds(60),
                100, new TokenBucket(1_000_000, 1_000_000, clock), clock, QUIET, null);
        store.put("known", "v");
        assertEquals(Optional.of("v"), cache.secretString("known"));
        for (int i = 0; i < 50_000; i++) {
            assertTrue(cache.secretString("unknown-" + i).isEmpty());
        }
        int before = calls.get();
        assertEquals(Optional.of("v"), cache.secretString("known"));
        assertEquals(before, calls.get(), "the known secret is still served from memory");
    }

    @Test
    void unknownIdsAreRememberedUpToABoundOldestFirstOut() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ofMinutes(5), Duration.ofSeconds(60),
                3, new TokenBucket(1000, 1000, clock), clock, QUIET, null);
        for (String id : new String[] {"u1", "u2", "u3"}) {
            cache.secretString(id);
        }
        cache.secretString("u1");
        assertEquals(3, calls.get(), "u1 is remembered");
        cache.secretString("u4"); // the bound is 3: the oldest (u1) goes
        cache.secretString("u2");
        assertEquals(4, calls.get(), "u2 is still remembered");
        cache.secretString("u1");
        assertEquals(5, calls.get(), "u1 was evicted and looked up again");
    }

    @Test
    void lookupsOfIdsInNeitherCacheAreRateLimitedAndDeferredNeverAbsentBeyondTheLimit() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ofMinutes(5), clock, QUIET, null);
        store.put("new-page", "v");
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            SecretLookup<String> lookup = cache.lookup("flood-" + i);
            assertEquals(i < CachedSecretSource.DEFAULT_LOOKUP_BURST ? new SecretLookup.Absent<String>()
                    : new SecretLookup.Deferred<String>(), lookup, "flood-" + i);
            refused += lookup.deferred() ? 1 : 0;
        }
        assertEquals(CachedSecretSource.DEFAULT_LOOKUP_BURST, calls.get(), "a burst of 20, then nothing without time");
        assertEquals(1000 - CachedSecretSource.DEFAULT_LOOKUP_BURST, refused);
        assertTrue(cache.lookup("new-page").deferred(), "beyond the limit a real page is deferred, never absent");
        assertThrows(DependencyUnavailableException.class, () -> cache.secretString("new-page"),
                "and secretString says so as a (transient) failure, not as an empty answer");

        now = now.plusMillis(100); // one permit at 10 per second
        assertEquals(Optional.of("v"), cache.secretString("new-page"), "and succeeds once a permit is back");
        for (int i = 0; i < 100; i++) {
            now = now.plusMillis(10);
            cache.lookup("flood2-" + i);
        }
        assertEquals(CachedSecretSource.DEFAULT_LOOKUP_BURST + 1 + 10, calls.get(), "10 lookups per simulated second");
    }

    @Test
    void knownSecretsAreRefetchedAfterTheirAgeWithoutPassingTheLimiterEvenWithAZeroAge() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ZERO, Duration.ZERO, 100,
                new TokenBucket(1, 0.001, clock), clock, QUIET, null);
        store.put("a", "v");
        for (int i = 0; i < 5; i++) {
            assertEquals(Optional.of("v"), cache.secretString("a"));
        }
        assertEquals(5, calls.get(), "a zero age caches nothing, and the one permit was not needed again");
    }

    @Test
    void freshSecretStringBypassesAndReplacesTheCachedEntry() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ofMinutes(5), clock, QUIET, null);
        store.put("a", "v1");
        cache.secretString("a");
        store.put("a", "v2");
        assertEquals(Optional.of("v1"), cache.secretString("a"));
        assertEquals(Optional.of("v2"), cache.freshSecretString("a"));
        assertEquals(Optional.of("v2"), cache.secretString("a"), "the fresh value replaced the cached one");
        assertEquals(2, calls.get());

        assertTrue(cache.secretString("later").isEmpty());
        store.put("later", "created");
        assertEquals(Optional.of("created"), cache.freshSecretString("later"), "a remembered absence is bypassed too");
        assertEquals(Optional.of("created"), cache.secretString("later"));
    }

    @Test
    void providerRefreshesPageAndAppSecretsPastTheCache() {
        CachedSecretSource cache = new CachedSecretSource(source, "", Duration.ofMinutes(5), clock, QUIET, null);
        SecretsProvider provider = new SecretsProvider(cache, "joinchat/pages/", "joinchat/app", QUIET);
        store.put("joinchat/pages/1", "{\"api_secret\":\"s\",\"page_access_token\":\"old-token\"}");
        store.put("joinchat/app", "{\"app_secret\":\"old-app\",\"verify_token\":\"vt\"}");
        assertEquals("old-token", provider.pageSecrets("1").found().orElseThrow().pageAccessToken());
        assertEquals("old-app", provider.appSecrets().orElseThrow().appSecret());
        store.put("joinchat/pages/1", "{\"api_secret\":\"s\",\"page_access_token\":\"new-token\"}");
        store.put("joinchat/app", "{\"app_secret\":\"new-app\",\"verify_token\":\"vt\"}");
        assertEquals("old-token", provider.pageSecrets("1").found().orElseThrow().pageAccessToken());
        assertEquals("new-token", provider.refreshPageSecrets("1").orElseThrow().pageAccessToken());
        assertEquals("new-token", provider.pageSecrets("1").found().orElseThrow().pageAccessToken());
        assertEquals("new-app", provider.refreshAppSecrets().orElseThrow().appSecret());
        assertEquals("new-app", provider.appSecrets().orElseThrow().appSecret());
    }

    @Test
    void requireTimestampIsReadFromThePageSecret() {
        store.put("p/1", "{\"api_secret\":\"s\",\"require_timestamp\":true}");
        store.put("p/2", "{\"api_secret\":\"s\",\"require_timestamp\":\"true\"}");
        store.put("p/3", "{\"api_secret\":\"s\",\"require_timestamp\":false}");
        store.put("p/4", "{\"api_secret\":\"s\"}");
        SecretsProvider provider = new SecretsProvider(source, "p/", "app", QUIET);
        assertTrue(provider.pageSecrets("1").found().orElseThrow().requireTimestamp());
        assertTrue(provider.pageSecrets("2").found().orElseThrow().requireTimestamp());
        assertTrue(!provider.pageSecrets("3").found().orElseThrow().requireTimestamp());
        assertTrue(!provider.pageSecrets("4").found().orElseThrow().requireTimestamp());
    }

    @Test
    void anUnrecognisedSettingIsLoggedByItsNameNeverItsValueAndTheDefaultApplies() {
        store.put("p/1", "{\"api_secret\":\"s\",\"unsigned_refs\":\"sometimes-XYZZY\",\"require_timestamp\":\"yes-PLUGH\"}");
        store.put("p/2", "{\"api_secret\":\"s\",\"unsigned_refs\":\" Latest \",\"require_timestamp\":\"false\"}");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ai.joinchat.push.observability.JsonLogger log = new ai.joinchat.push.observability.JsonLogger("test",
                ai.joinchat.push.observability.JsonLogger.Level.INFO,
                new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8), clock);
        SecretsProvider provider = new SecretsProvider(source, "p/", "app", log);

        PageSecrets page = provider.pageSecrets("1").found().orElseThrow();
        provider.pageSecrets("1");
        assertEquals(UnsignedRefPolicy.FIRST, page.unsignedRefs(), "the default applies");
        assertTrue(!page.requireTimestamp(), "the default applies");
        assertEquals(UnsignedRefPolicy.LATEST, provider.pageSecrets("2").found().orElseThrow().unsignedRefs());

        String logs = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(logs.contains("\"setting\":\"unsigned_refs\""), logs);
        assertTrue(logs.contains("\"setting\":\"require_timestamp\""), logs);
        assertTrue(logs.contains("\"level\":\"WARN\"") || logs.contains("WARN"), logs);
        assertTrue(!logs.contains("XYZZY") && !logs.contains("PLUGH") && !logs.contains("\"s\""), "never the value: " + logs);
        assertEquals(2, logs.lines().count(), "once per page and setting, none for recognised values: " + logs);
    }
}
