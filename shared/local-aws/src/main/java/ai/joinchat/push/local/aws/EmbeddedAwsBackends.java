package ai.joinchat.push.local.aws;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.local.aws.secretsmanager.LocalSecretsManager;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/**
 * The three backends in this JVM, each on 127.0.0.1: {@link EmbeddedDynamoDb}, ElasticMQ and
 * {@link LocalSecretsManager}. DynamoDB Local and ElasticMQ start side by side.
 *
 * <p>ElasticMQ speaks both SQS protocols (the AWS JSON protocol the current SDK uses, and the older
 * query protocol) and supports delays, visibility timeouts, message attributes, receive counts and
 * redrive to a dead-letter queue. Queue ARNs use account 000000000000, like the template's
 * {@code AWS::AccountId}. ElasticMQ ignores MessageRetentionPeriod: GetQueueAttributes does not
 * report it.
 */
public final class EmbeddedAwsBackends implements AwsBackends {

    private final EmbeddedDynamoDb dynamoDb;
    private final SQSRestServer sqs;
    private final URI sqsEndpoint;
    private final LocalSecretsManager secretsManager;

    private EmbeddedAwsBackends(EmbeddedDynamoDb dynamoDb, SQSRestServer sqs, LocalSecretsManager secretsManager) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.sqsEndpoint = URI.create("http://127.0.0.1:" + sqs.waitUntilStarted().localAddress().getPort());
        this.secretsManager = secretsManager;
    }

    /** With each backend on a given port of 127.0.0.1 (0: a free one), so other tools can be pointed at them. */
    public static EmbeddedAwsBackends start(int dynamoDbPort, int sqsPort, int secretsManagerPort) {
        ExecutorService starters = DaemonThreads.fixedPool("local-aws-startup", 2);
        CompletableFuture<EmbeddedDynamoDb> dynamoDb = CompletableFuture.supplyAsync(() -> EmbeddedDynamoDb.start(dynamoDbPort), starters);
        CompletableFuture<SQSRestServer> sqs = CompletableFuture.supplyAsync(() -> startSqs(sqsPort), starters);
        starters.shutdown();
        LocalSecretsManager secretsManager = null;
        try {
            secretsManager = LocalSecretsManager.start(secretsManagerPort);
            return new EmbeddedAwsBackends(dynamoDb.join(), sqs.join(), secretsManager);
        } catch (RuntimeException e) {
            dynamoDb.thenAccept(EmbeddedDynamoDb::close);
            sqs.thenAccept(SQSRestServer::stopAndWait);
            if (secretsManager != null) {
                secretsManager.close();
            }
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** ElasticMQ, listening when this returns. */
    private static SQSRestServer startSqs(int port) {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port)
                .withAWSRegion(DEFAULT_REGION).withAWSAccountId("000000000000").start();
        server.waitUntilStarted();
        return server;
    }

    @Override
    public URI dynamoDbEndpoint() {
        return dynamoDb.endpoint();
    }

    @Override
    public URI sqsEndpoint() {
        return sqsEndpoint;
    }

    @Override
    public URI secretsManagerEndpoint() {
        return secretsManager.endpoint();
    }

    /** The Secrets Manager endpoint itself, to store secrets without a request. */
    public LocalSecretsManager localSecretsManager() {
        return secretsManager;
    }

    @Override
    public void close() {
        secretsManager.close();
        sqs.stopAndWait();
        dynamoDb.close();
    }
}
