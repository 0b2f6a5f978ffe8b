package ai.joinchat.push.local.aws;

import ai.joinchat.push.local.aws.secretsmanager.LocalSecretsManager;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * DynamoDB, SQS and Secrets Manager endpoints for a local run: where they are, the environment a
 * function needs to use them, and SDK clients pointed at them. Every client made here is the
 * caller's to close.
 */
public interface AwsBackends extends AutoCloseable {

    String DEFAULT_REGION = "us-east-1";

    URI dynamoDbEndpoint();

    URI sqsEndpoint();

    URI secretsManagerEndpoint();

    default String region() {
        return DEFAULT_REGION;
    }

    /** Any key does for the local backends. */
    default String accessKeyId() {
        return "test";
    }

    default String secretAccessKey() {
        return "test";
    }

    /**
     * The standard AWS SDK variables that point a function at these backends: AWS_REGION,
     * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS and
     * AWS_ENDPOINT_URL_SECRETS_MANAGER.
     */
    default Map<String, String> awsEnvironment() {
        return Map.of(
                "AWS_REGION", region(),
                "AWS_ACCESS_KEY_ID", accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", secretAccessKey(),
                "AWS_ENDPOINT_URL_DYNAMODB", dynamoDbEndpoint().toString(),
                "AWS_ENDPOINT_URL_SQS", sqsEndpoint().toString(),
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", secretsManagerEndpoint().toString());
    }

    default DynamoDbClient dynamoDb() {
        return client(DynamoDbClient.builder(), dynamoDbEndpoint());
    }

    default SqsClient sqs() {
        return client(SqsClient.builder(), sqsEndpoint());
    }

    default SecretsManagerClient secretsManager() {
        return client(SecretsManagerClient.builder(), secretsManagerEndpoint());
    }

    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, URI endpoint) {
        return builder.endpointOverride(endpoint).region(Region.of(region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId(), secretAccessKey())))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** The controls of the in-JVM Secrets Manager endpoint, when that is the backend in use. */
    default Optional<LocalSecretsManager> secretsManagerControls() {
        return Optional.empty();
    }

    @Override
    void close();
}
