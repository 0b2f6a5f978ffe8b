package ai.joinchat.push.testing;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.secrets.SecretLookup;
import ai.joinchat.push.secrets.SecretSource;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secret strings by id in memory; while {@link #down}, every read fails as if Secrets Manager were;
 * while {@link #deferring}, every {@link #lookup} is deferred, as when a container's lookup limit
 * is spent.
 */
public final class InMemorySecretSource implements SecretSource {

    public final Map<String, String> secrets = new ConcurrentHashMap<>();
    public volatile boolean down;
    public volatile boolean deferring;

    @Override
    public SecretLookup<String> lookup(String secretId) {
        return deferring ? new SecretLookup.Deferred<>() : SecretSource.super.lookup(secretId);
    }

    @Override
    public Optional<String> secretString(String secretId) {
        if (down) {
            throw new DependencyUnavailableException("Secrets Manager", new RuntimeException("down"));
        }
        return Optional.ofNullable(secrets.get(secretId));
    }
}
