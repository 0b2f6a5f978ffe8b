package ai.joinchat.push.secrets;

import java.util.Optional;

/** Where secret strings come from. Empty means "no such secret"; infrastructure failure throws. */
public interface SecretSource {

    /**
     * @throws ai.joinchat.push.DependencyUnavailableException when the store cannot answer
     */
    Optional<String> secretString(String secretId);

    /**
     * The secret as the store has it now, bypassing (and refreshing) any cache: for a caller
     * that has just learnt its cached value is stale (a rejected page token).
     *
     * @throws ai.joinchat.push.DependencyUnavailableException when the store cannot answer
     */
    default Optional<String> freshSecretString(String secretId) {
        return secretString(secretId);
    }
}
