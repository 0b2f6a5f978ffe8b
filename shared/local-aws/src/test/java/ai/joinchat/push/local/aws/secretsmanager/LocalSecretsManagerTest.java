package ai.joinchat.push.local.aws.secretsmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.InvalidParameterException;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/** The Secrets Manager endpoint, exercised only through the real SDK client (and raw HTTP for protocol errors). */
class LocalSecretsManagerTest {

    private LocalSecretsManager server;
    private SecretsManagerClient client;

    @BeforeEach
    void start() {
        server = LocalSecretsManager.start(0);
        client = client(server.endpoint());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    /** An SDK client that does not retry. */
    static SecretsManagerClient client(URI endpoint) {
        return SecretsManagerClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @Test
    void createdSecretIsReadByNameAndByArn() {
        CreateSecretResponse created = client.createSecret(b -> b.name("joinchat/pages/1")
                .secretString("{\"api_secret\":\"s1\"}"));

        GetSecretValueResponse byName = client.getSecretValue(b -> b.secretId("joinchat/pages/1"));
        GetSecretValueResponse byArn = client.getSecretValue(b -> b.secretId(created.arn()));

        assertTrue(created.arn().startsWith("arn:aws:secretsmanager:us-east-1:000000000000:secret:joinchat/pages/1-"));
        assertEquals("joinchat/pages/1", created.name());
        assertNotNull(created.versionId());
        for (GetSecretValueResponse value : List.of(byName, byArn)) {
            assertEquals("{\"api_secret\":\"s1\"}", value.secretString());
            assertEquals(created.arn(), value.arn());
            assertEquals(created.versionId(), value.versionId());
            assertEquals(List.of("AWSCURRENT"), value.versionStages());
            assertTrue(Math.abs(value.createdDate().getEpochSecond() - Instant.now().getEpochSecond()) < 60);
        }
    }

    @Test
    void clientRequestTokenBecomesTheVersionId() {
        String token = UUID.randomUUID().toString();

        CreateSecretResponse created = client.createSecret(b -> b.name("with-token").secretString("v").clientRequestToken(token));

        assertEquals(token, created.versionId());
    }

    @Test
    void errorsAreTheTypedSdkExceptions() {
        client.createSecret(b -> b.name("existing").secretString("x"));

        ResourceNotFoundException notFound = assertThrows(ResourceNotFoundException.class,
                () -> client.getSecretValue(b -> b.secretId("missing")));
        ResourceExistsException exists = assertThrows(ResourceExistsException.class,
                () -> client.createSecret(b -> b.name("existing").secretString("y")));
        assertThrows(InvalidParameterException.class,
                () -> client.createSecret(b -> b.name("both").secretString("s").secretBinary(SdkBytes.fromUtf8String("b"))));
        assertThrows(ResourceNotFoundException.class,
                () -> client.getSecretValue(b -> b.secretId("existing").versionStage("AWSPENDING")));

        assertEquals(400, notFound.statusCode());
        assertEquals("Secrets Manager can't find the specified secret.", notFound.awsErrorDetails().errorMessage());
        assertEquals("ResourceExistsException", exists.awsErrorDetails().errorCode());
    }

    @Test
    void putSecretValueReplacesTheCurrentValue() {
        client.createSecret(b -> b.name("rotating").secretString("one"));

        PutSecretValueResponse second = client.putSecretValue(b -> b.secretId("rotating").secretString("two"));

        assertEquals(List.of("AWSCURRENT"), second.versionStages());
        GetSecretValueResponse current = client.getSecretValue(b -> b.secretId("rotating"));
        assertEquals("two", current.secretString());
        assertEquals(second.versionId(), current.versionId());
        assertThrows(ResourceNotFoundException.class,
                () -> client.putSecretValue(b -> b.secretId("never-created").secretString("x")));
    }

    @Test
    void operationsTheProductDoesNotCallAreRefusedByName() {
        client.createSecret(b -> b.name("kept").secretString("v"));

        SecretsManagerException describe = assertThrows(SecretsManagerException.class,
                () -> client.describeSecret(b -> b.secretId("kept")));

        assertEquals("UnknownOperationException", describe.awsErrorDetails().errorCode());
        assertEquals(400, describe.statusCode());
        assertTrue(describe.awsErrorDetails().errorMessage().contains("DescribeSecret"), describe.getMessage());
        assertEquals("v", client.getSecretValue(b -> b.secretId("kept")).secretString(), "nothing was changed");
        assertThrows(InvalidParameterException.class,
                () -> client.createSecret(b -> b.name("binary").secretBinary(SdkBytes.fromUtf8String("bytes"))));
    }

    @Test
    void putSecretControlCreatesThenUpdates() {
        server.putSecret("controlled", "one");
        server.putSecret("controlled", "two");

        assertEquals("two", client.getSecretValue(b -> b.secretId("controlled")).secretString());
    }

    @Test
    void unknownOperationIsRejected() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/"))
                        .header("X-Amz-Target", "secretsmanager.RotateEverything")
                        .header("Content-Type", "application/x-amz-json-1.1")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("\"__type\":\"UnknownOperationException\""), response.body());
        assertFalse(response.body().contains("Exception:"), "no stack trace");
    }

    @Test
    void listSecretsFiltersByNamePrefixPagesAndNeverReturnsValues() {
        for (int i = 0; i < 7; i++) {
            server.putSecret("joinchat/pages/" + (100 + i), "{\"api_secret\":\"s" + i + "\"}");
        }
        server.putSecret("joinchat/app", "app");
        server.putSecret("Joinchat/pages/999", "other case");

        List<String> names = new java.util.ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String next = token;
            var page = client.listSecrets(b -> b.maxResults(3).nextToken(next).filters(f -> f
                    .key(software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType.NAME)
                    .values("joinchat/pages/")));
            page.secretList().forEach(entry -> {
                names.add(entry.name());
                assertNotNull(entry.arn());
                assertTrue(entry.arn().contains(":secret:" + entry.name() + "-"), entry.arn());
            });
            token = page.nextToken();
            pages++;
        } while (token != null);

        assertEquals(3, pages, "7 names in pages of 3");
        assertEquals(List.of("joinchat/pages/100", "joinchat/pages/101", "joinchat/pages/102", "joinchat/pages/103",
                "joinchat/pages/104", "joinchat/pages/105", "joinchat/pages/106"), names, "a case-sensitive prefix match");
        assertEquals(9, client.listSecrets(b -> b.maxResults(100)).secretList().size(), "no filter: every secret");
        assertThrows(InvalidParameterException.class, () -> client.listSecrets(b -> b.filters(f -> f
                .key(software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType.TAG_KEY).values("x"))),
                "filters it does not implement fail loudly");
    }

    @Test
    void deleteSecretRemovesItAtOnceAndTheNameCanBeCreatedAgain() {
        client.createSecret(b -> b.name("pages/1").secretString("{\"api_secret\":\"a\"}"));

        assertEquals("pages/1", client.deleteSecret(b -> b.secretId("pages/1").forceDeleteWithoutRecovery(true)).name());

        assertThrows(ResourceNotFoundException.class, () -> client.getSecretValue(b -> b.secretId("pages/1")));
        assertTrue(client.listSecrets(b -> { }).secretList().stream().noneMatch(s -> s.name().equals("pages/1")));
        assertThrows(ResourceNotFoundException.class, () -> client.deleteSecret(b -> b.secretId("pages/1")));
        client.createSecret(b -> b.name("pages/1").secretString("{}"));
        assertEquals("{}", client.getSecretValue(b -> b.secretId("pages/1")).secretString());
    }
}
