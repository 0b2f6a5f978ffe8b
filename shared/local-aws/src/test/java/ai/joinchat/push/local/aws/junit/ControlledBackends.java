package ai.joinchat.push.local.aws.junit;

import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.local.aws.EmbeddedAwsBackends;
import ai.joinchat.push.local.aws.secretsmanager.SecretsManagerControls;
import java.net.URI;

/** {@link EmbeddedAwsBackends} whose Secrets Manager is reached through {@link SecretsManagerControls}. */
final class ControlledBackends implements AwsBackends {

    private final EmbeddedAwsBackends backends;
    private final SecretsManagerControls controls;

    ControlledBackends(EmbeddedAwsBackends backends) {
        this.backends = backends;
        this.controls = new SecretsManagerControls(backends.localSecretsManager());
    }

    SecretsManagerControls controls() {
        return controls;
    }

    @Override
    public URI dynamoDbEndpoint() {
        return backends.dynamoDbEndpoint();
    }

    @Override
    public URI sqsEndpoint() {
        return backends.sqsEndpoint();
    }

    @Override
    public URI secretsManagerEndpoint() {
        return controls.endpoint();
    }

    @Override
    public void close() {
        controls.close();
        backends.close();
    }
}
