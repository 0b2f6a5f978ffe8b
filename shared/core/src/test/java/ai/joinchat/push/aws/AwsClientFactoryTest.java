package ai.joinchat.push.aws;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AwsClientFactoryTest {

    @Test
    void serviceSpecificEndpointWinsOverTheGlobalOne() {
        AwsClientFactory factory = new AwsClientFactory(Map.of(
                "AWS_ENDPOINT_URL", "http://127.0.0.1:4566",
                "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324",
                "AWS_REGION", "eu-west-1"));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9324")), factory.endpoint("SQS"));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:4566")), factory.endpoint("DYNAMODB"));
        assertEquals("eu-west-1", factory.region().orElseThrow().id());
    }

    @Test
    void noEndpointVariablesMeansTheServiceDefault() {
        AwsClientFactory factory = new AwsClientFactory(Map.of());
        assertEquals(Optional.empty(), factory.endpoint("SECRETS_MANAGER"));
        assertEquals(Optional.empty(), factory.region());
    }
}
