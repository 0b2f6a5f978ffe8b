package ai.joinchat.push.local.aws.secretsmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.InternalServiceErrorException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/** The test controls in front of the Secrets Manager endpoint, through the real SDK client. */
class SecretsManagerControlsTest {

    private LocalSecretsManager server;
    private SecretsManagerControls controls;
    private SecretsManagerClient client;

    @BeforeEach
    void start() {
        server = LocalSecretsManager.start(0);
        controls = new SecretsManagerControls(server);
        client = LocalSecretsManagerTest.client(controls.endpoint());
    }

    @AfterEach
    void stop() {
        client.close();
        controls.close();
        server.close();
    }

    @Test
    void requestsAreCountedPerOperation() {
        controls.putSecret("counted", "v");

        client.getSecretValue(b -> b.secretId("counted"));
        client.getSecretValue(b -> b.secretId("counted"));
        assertThrows(ResourceNotFoundException.class, () -> client.getSecretValue(b -> b.secretId("absent")));
        assertThrows(SecretsManagerException.class, () -> client.describeSecret(b -> b.secretId("counted")));

        assertEquals(3, controls.requestCount("GetSecretValue"));
        assertEquals(1, controls.requestCount("DescribeSecret"));
        assertEquals(0, controls.requestCount("CreateSecret"), "putSecret is a direct control, not a request");
    }

    @Test
    void failureModeAnswersInternalServiceError() {
        controls.putSecret("flaky", "v");
        controls.failRequests(true);

        InternalServiceErrorException failure = assertThrows(InternalServiceErrorException.class,
                () -> client.getSecretValue(b -> b.secretId("flaky")));

        assertEquals(500, failure.statusCode());
        assertEquals(1, controls.requestCount("GetSecretValue"));
        controls.failRequests(false);
        assertEquals("v", client.getSecretValue(b -> b.secretId("flaky")).secretString());
    }

    @Test
    void failureModeSurvivesTheSdkDefaultRetries() {
        controls.putSecret("flaky", "v");
        controls.failRequests(true);
        try (SecretsManagerClient retrying = SecretsManagerClient.builder()
                .endpointOverride(controls.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build()) {

            assertThrows(InternalServiceErrorException.class, () -> retrying.getSecretValue(b -> b.secretId("flaky")));
        }

        assertTrue(controls.requestCount("GetSecretValue") > 1, "the SDK retries a 500");
    }

    @Test
    void aDeniedOperationAnswersAccessDeniedAndOthersStillWork() {
        controls.putSecret("joinchat/pages/1", "v");
        controls.denyOperation("ListSecrets", true);

        SecretsManagerException denied = assertThrows(SecretsManagerException.class, () -> client.listSecrets(b -> b.maxResults(10)));

        assertEquals(400, denied.statusCode());
        assertEquals("AccessDeniedException", denied.awsErrorDetails().errorCode());
        assertEquals("v", client.getSecretValue(b -> b.secretId("joinchat/pages/1")).secretString());
        assertEquals(1, controls.requestCount("ListSecrets"));
        assertEquals(1, controls.requestCount("GetSecretValue"));
        controls.denyOperation("ListSecrets", false);
        assertEquals(1, client.listSecrets(b -> b.maxResults(10)).secretList().size());
    }
}
