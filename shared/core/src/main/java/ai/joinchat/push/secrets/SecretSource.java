package ai.joinchat.push.secrets;

import java.util.Optional;
import java.util.Set;

/**
 * Where secret strings come from. Empty means "no such secret"; when the store cannot answer, every
 * method throws {@link ai.joinchat.push.DependencyUnavailableException}.
 */
public interface SecretSource {

    Optional<String> secretString(String secretId);

    /**
     * The secret as the store has it now, bypassing (and refreshing) any cache: for a caller
     * that has just learnt its cached value is stale (a rejected page token).
     */
    default Optional<String> freshSecretString(String secretId) {
        return secretString(secretId);
    }

    /**
     * The secret, or {@link SecretLookup.Deferred} when a limit in front of the store did not let
     * the lookup be made now. A plain store always decides.
     */
    default SecretLookup<String> lookup(String secretId) {
        return SecretLookup.of(secretString(secretId));
    }

    /**
     * The ids (names) of every secret whose name starts with {@code prefix}: names only, never
     * values. A store that cannot list throws {@link UnsupportedOperationException}; one that
     * refuses (access denied), the usual {@code DependencyUnavailableException}.
     */
    default Set<String> secretIds(String prefix) {
        throw new UnsupportedOperationException("this secret source cannot list secrets");
    }
}
