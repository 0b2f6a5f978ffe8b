package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachedSecretSourceTest {

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
    private final SecretSource source = id -> {
        calls.incrementAndGet();
        if (failing) {
            throw new DependencyUnavailableException("Secrets Manager", null);
        }
        return Optional.ofNullable(store.get(id));
    };

    @Test
    void servesFromMemoryWithinTheMaxAgeAndRefetchesAfter() {
        CachedSecretSource cache = new CachedSecretSource(source, Duration.ofMinutes(5), clock);
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
        CachedSecretSource cache = new CachedSecretSource(source, Duration.ofMinutes(5), Duration.ofSeconds(60), clock);
        assertTrue(cache.secretString("nope").isEmpty());
        assertTrue(cache.secretString("nope").isEmpty());
        assertEquals(1, calls.get());
        store.put("nope", "now-there");
        now = now.plusSeconds(61);
        assertEquals(Optional.of("now-there"), cache.secretString("nope"));
    }

    @Test
    void failuresAreNotCached() {
        CachedSecretSource cache = new CachedSecretSource(source, Duration.ofMinutes(5), clock);
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
        SecretsProvider provider = new SecretsProvider(source, "joinchat/pages/", "joinchat/app");
        PageSecrets page = provider.pageSecrets("1").orElseThrow();
        assertEquals(java.util.List.of("s", "p"), page.acceptedApiSecrets());
        assertEquals("t", page.pageAccessToken());
        assertTrue(provider.pageSecrets("2").isEmpty(), "a malformed secret counts as absent");
        assertTrue(provider.pageSecrets("3").isEmpty());
        assertEquals("vt", provider.appSecrets().orElseThrow().verifyToken());
        assertTrue(!page.toString().contains("s\"") && page.toString().contains("redacted"));
    }
}
