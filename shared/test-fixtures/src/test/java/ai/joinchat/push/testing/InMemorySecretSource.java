package ai.joinchat.push.testing;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.secrets.SecretSource;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Secret strings by id in memory; while {@link #down}, every read fails as if Secrets Manager were. */
public final class InMemorySecretSource implements SecretSource {

    public final Map<String, String> secrets = new ConcurrentHashMap<>();
    public volatile boolean down;

    @Override
    public Optional<String> secretString(String secretId) {
        if (down) {
            throw new DependencyUnavailableException("Secrets Manager", new RuntimeException("down"));
        }
        return Optional.ofNullable(secrets.get(secretId));
    }
}
