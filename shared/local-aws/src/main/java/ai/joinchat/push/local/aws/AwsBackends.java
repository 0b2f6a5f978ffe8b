package ai.joinchat.push.local.aws;

import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * DynamoDB, SQS and Secrets Manager endpoints for a local run: where they are, the environment a
 * function needs to use them, and SDK clients pointed at them. Every client made here is the
 * caller's to close.
 */
public interface AwsBackends extends AutoCloseable {

    String DEFAULT_REGION = "us-east-1";

    /** The access key id and the secret key: any value does for local backends (LocalStack's default too). */
    String LOCAL_KEY = "test";

    URI dynamoDbEndpoint();

    URI sqsEndpoint();

    URI secretsManagerEndpoint();

    /** The standard AWS SDK variables that point a function at these backends. */
    default Map<String, String> awsEnvironment() {
        return Map.of(
                "AWS_REGION", DEFAULT_REGION,
                "AWS_ACCESS_KEY_ID", LOCAL_KEY,
                "AWS_SECRET_ACCESS_KEY", LOCAL_KEY,
                "AWS_ENDPOINT_URL_DYNAMODB", dynamoDbEndpoint().toString(),
                "AWS_ENDPOINT_URL_SQS", sqsEndpoint().toString(),
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", secretsManagerEndpoint().toString());
    }

    default DynamoDbClient dynamoDb() {
        return client(DynamoDbClient.builder(), dynamoDbEndpoint());
    }

    /** DynamoDB Streams, which DynamoDB's endpoint serves too (as DynamoDB Local does). */
    default DynamoDbStreamsClient dynamoDbStreams() {
        return client(DynamoDbStreamsClient.builder(), dynamoDbEndpoint());
    }

    default SqsClient sqs() {
        return client(SqsClient.builder(), sqsEndpoint());
    }

    default SecretsManagerClient secretsManager() {
        return client(SecretsManagerClient.builder(), secretsManagerEndpoint());
    }

    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, URI endpoint) {
        return builder.endpointOverride(endpoint).region(Region.of(DEFAULT_REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(LOCAL_KEY, LOCAL_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @Override
    void close();
}
