package ai.joinchat.push.local.aws;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.local.aws.secretsmanager.LocalSecretsManager;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * The three backends in this JVM: DynamoDB Local, ElasticMQ and {@link LocalSecretsManager}, each
 * on 127.0.0.1 at a free port. DynamoDB Local and ElasticMQ start side by side.
 */
public final class EmbeddedAwsBackends implements AwsBackends {

    private final EmbeddedDynamoDb dynamoDb;
    private final EmbeddedSqs sqs;
    private final LocalSecretsManager secretsManager;

    private EmbeddedAwsBackends(EmbeddedDynamoDb dynamoDb, EmbeddedSqs sqs, LocalSecretsManager secretsManager) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.secretsManager = secretsManager;
    }

    public static EmbeddedAwsBackends start() {
        return start(0, 0, 0);
    }

    /** With each backend on a given port of 127.0.0.1 (0: a free one), so other tools can be pointed at them. */
    public static EmbeddedAwsBackends start(int dynamoDbPort, int sqsPort, int secretsManagerPort) {
        ExecutorService starters = DaemonThreads.fixedPool("local-aws-startup", 2);
        CompletableFuture<EmbeddedDynamoDb> dynamoDb = CompletableFuture.supplyAsync(() -> EmbeddedDynamoDb.start(dynamoDbPort), starters);
        CompletableFuture<EmbeddedSqs> sqs = CompletableFuture.supplyAsync(() -> EmbeddedSqs.start(DEFAULT_REGION, sqsPort), starters);
        starters.shutdown();
        LocalSecretsManager secretsManager = null;
        try {
            secretsManager = LocalSecretsManager.start(DEFAULT_REGION, secretsManagerPort);
            return new EmbeddedAwsBackends(dynamoDb.join(), sqs.join(), secretsManager);
        } catch (RuntimeException e) {
            dynamoDb.thenAccept(EmbeddedDynamoDb::close);
            sqs.thenAccept(EmbeddedSqs::close);
            if (secretsManager != null) {
                secretsManager.close();
            }
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    @Override
    public URI dynamoDbEndpoint() {
        return dynamoDb.endpoint();
    }

    @Override
    public URI sqsEndpoint() {
        return sqs.endpoint();
    }

    @Override
    public URI secretsManagerEndpoint() {
        return secretsManager.endpoint();
    }

    @Override
    public Optional<LocalSecretsManager> secretsManagerControls() {
        return Optional.of(secretsManager);
    }

    @Override
    public void close() {
        secretsManager.close();
        sqs.close();
        dynamoDb.close();
    }
}
