package ai.joinchat.push.secrets;

import java.util.Optional;

/** Where secret strings come from. Empty means "no such secret"; infrastructure failure throws. */
public interface SecretSource {

    /**
     * @throws ai.joinchat.push.DependencyUnavailableException when the store cannot answer
     */
    Optional<String> secretString(String secretId);
}
