package ai.joinchat.push.secrets;

import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.util.Optional;

/** Reads the AWSCURRENT SecretString of a secret from AWS Secrets Manager. */
public final class SecretsManagerSecretSource implements SecretSource {

    private final SecretsManagerClient client;

    public SecretsManagerSecretSource(SecretsManagerClient client) {
        this.client = client;
    }

    @Override
    public Optional<String> secretString(String secretId) {
        try {
            GetSecretValueResponse response = client.getSecretValue(r -> r.secretId(secretId));
            return Optional.ofNullable(response.secretString());
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw SdkFailures.unavailable("Secrets Manager", e);
        }
    }
}
