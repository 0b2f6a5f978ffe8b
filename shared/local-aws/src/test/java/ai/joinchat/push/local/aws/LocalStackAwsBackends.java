package ai.joinchat.push.local.aws;

import java.net.URI;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * DynamoDB, SQS and Secrets Manager served by a LocalStack container (Testcontainers; needs a
 * Docker engine), with LocalStack's default region and keys, which are {@link AwsBackends}' own.
 * The image tag is pinned so runs are repeatable. Testcontainers is a test dependency of this
 * module: a user of this class declares {@code testcontainers-localstack}.
 */
public final class LocalStackAwsBackends implements AwsBackends {

    public static final String IMAGE = "localstack/localstack:4.4.0";

    private final LocalStackContainer container;

    private LocalStackAwsBackends(LocalStackContainer container) {
        this.container = container;
    }

    public static LocalStackAwsBackends start() {
        return start(IMAGE);
    }

    public static LocalStackAwsBackends start(String image) {
        LocalStackContainer container = new LocalStackContainer(DockerImageName.parse(image))
                .withServices("dynamodb", "sqs", "secretsmanager");
        container.start();
        return new LocalStackAwsBackends(container);
    }

    @Override
    public URI dynamoDbEndpoint() {
        return container.getEndpoint();
    }

    @Override
    public URI sqsEndpoint() {
        return container.getEndpoint();
    }

    @Override
    public URI secretsManagerEndpoint() {
        return container.getEndpoint();
    }

    @Override
    public void close() {
        container.stop();
    }
}
