package ai.joinchat.push.worker;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.secrets.SecretSource;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

final class InMemorySecretSource implements SecretSource {

    final Map<String, String> secrets = new ConcurrentHashMap<>();
    volatile boolean down;

    @Override
    public Optional<String> secretString(String secretId) {
        if (down) {
            throw new DependencyUnavailableException("Secrets Manager", new RuntimeException("down"));
        }
        return Optional.ofNullable(secrets.get(secretId));
    }
}
