package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretListEntry;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads the AWSCURRENT SecretString of a secret from AWS Secrets Manager, and lists names under a prefix. */
public record SecretsManagerSecretSource(SecretsManagerClient client) implements SecretSource {

    /** ListSecrets' largest page. */
    static final int LIST_PAGE_SIZE = 100;

    @Override
    public Optional<String> secretString(String secretId) {
        try {
            GetSecretValueResponse response = client.getSecretValue(r -> r.secretId(secretId));
            return Optional.ofNullable(response.secretString());
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new DependencyUnavailableException("Secrets Manager", e);
        }
    }

    /**
     * ListSecrets with the name filter (a case-sensitive prefix match), every page. It is eventually
     * consistent (AWS: it "might not reflect changes from the last five minutes"): a missing name proves nothing.
     */
    @Override
    public Set<String> secretIds(String prefix) {
        return SdkFailures.call("Secrets Manager", () -> client.listSecretsPaginator(r -> r.maxResults(LIST_PAGE_SIZE)
                        .filters(f -> f.key(FilterNameStringType.NAME).values(prefix))).stream()
                .flatMap(page -> page.secretList().stream())
                .map(SecretListEntry::name)
                .filter(name -> name != null && name.startsWith(prefix))
                .collect(Collectors.toSet()));
    }
}
