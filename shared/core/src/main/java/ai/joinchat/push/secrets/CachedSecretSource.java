package ai.joinchat.push.secrets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Keeps secrets in memory for a bounded age, so a warm container does not call Secrets Manager
 * per request and a changed secret takes effect within that age. "No such secret" is cached too,
 * for a shorter time, so requests naming random page ids cannot exhaust the Secrets Manager quota.
 * Failures are not cached.
 */
public final class CachedSecretSource implements SecretSource {

    private record Entry(Optional<String> value, Instant expiresAt) {
    }

    private final SecretSource delegate;
    private final Duration maxAge;
    private final Duration missingMaxAge;
    private final Clock clock;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();

    public CachedSecretSource(SecretSource delegate, Duration maxAge, Clock clock) {
        this(delegate, maxAge, maxAge.compareTo(Duration.ofSeconds(60)) < 0 ? maxAge : Duration.ofSeconds(60), clock);
    }

    public CachedSecretSource(SecretSource delegate, Duration maxAge, Duration missingMaxAge, Clock clock) {
        this.delegate = delegate;
        this.maxAge = maxAge;
        this.missingMaxAge = missingMaxAge;
        this.clock = clock;
    }

    @Override
    public Optional<String> secretString(String secretId) {
        Instant now = clock.instant();
        Entry cached = entries.get(secretId);
        if (cached != null && now.isBefore(cached.expiresAt())) {
            return cached.value();
        }
        Optional<String> fresh = delegate.secretString(secretId);
        Duration age = fresh.isPresent() ? maxAge : missingMaxAge;
        if (!age.isZero() && !age.isNegative()) {
            if (entries.size() > 10_000) {
                entries.clear();
            }
            entries.put(secretId, new Entry(fresh, now.plus(age)));
        }
        return fresh;
    }
}
