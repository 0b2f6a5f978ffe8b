package ai.joinchat.push.bench.baseline;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;

/** Default SDK clients, with the endpoint from AWS_ENDPOINT_URL_<SERVICE> where one is set. */
final class Clients {

    private Clients() {
    }

    static DynamoDbClient dynamo() {
        String endpoint = System.getenv("AWS_ENDPOINT_URL_DYNAMODB");
        return endpoint == null ? DynamoDbClient.create() : DynamoDbClient.builder().endpointOverride(URI.create(endpoint)).build();
    }

    static SqsClient sqs() {
        String endpoint = System.getenv("AWS_ENDPOINT_URL_SQS");
        return endpoint == null ? SqsClient.create() : SqsClient.builder().endpointOverride(URI.create(endpoint)).build();
    }
}
