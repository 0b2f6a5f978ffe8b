package ai.joinchat.push.local.aws.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

@ExtendWith(LocalAwsExtension.class)
class LocalAwsExtensionTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void oneInstanceServesTheWholeJvm(LocalAws first, LocalAws second) {
        assertSame(first, second);
        assertEquals("test", first.stack().stackName());
        assertTrue(first.secretsManagerControls().isPresent());
    }

    @Test
    void pageSecretIsStoredUnderThePrefix(LocalAws aws) throws Exception {
        aws.putPageSecret("1001", "new-secret", "EAAB-token", "old-secret");
        aws.putPageSecret("1002", "only-secret", "EAAB-other", null);

        JsonNode rotated = json.readTree(aws.secretsManager().getSecretValue(b -> b.secretId("joinchat/pages/1001")).secretString());
        JsonNode plain = json.readTree(aws.secretsManager().getSecretValue(b -> b.secretId("joinchat/pages/1002")).secretString());

        assertEquals("new-secret", rotated.get("api_secret").asText());
        assertEquals("EAAB-token", rotated.get("page_access_token").asText());
        assertEquals("old-secret", rotated.get("previous_api_secret").asText());
        assertTrue(plain.path("previous_api_secret").isMissingNode());

        aws.putPageSecret("1002", "changed", "EAAB-other", null);
        assertEquals("changed", json.readTree(aws.secretsManager()
                .getSecretValue(b -> b.secretId("joinchat/pages/1002")).secretString()).get("api_secret").asText());
    }

    @Test
    void appSecretIsStoredUnderItsId(LocalAws aws) throws Exception {
        aws.putAppSecret("app-secret", "verify-me");

        JsonNode app = json.readTree(aws.secretsManager().getSecretValue(b -> b.secretId("joinchat/app")).secretString());

        assertEquals("app-secret", app.get("app_secret").asText());
        assertEquals("verify-me", app.get("verify_token").asText());
    }

    @Test
    void delayedMessageIsReceivedOnlyAfterItsDelay(LocalAws aws) {
        aws.purge("MessageQueue");
        aws.sqs().sendMessage(b -> b.queueUrl(aws.queueUrl("MessageQueue")).messageBody("{\"message_id\":\"m1\"}")
                .delaySeconds(2)
                .messageAttributes(Map.of("page_id", MessageAttributeValue.builder().dataType("String").stringValue("1001").build())));

        assertTrue(aws.receiveAll("MessageQueue", 10).isEmpty(), "not receivable during its delay");

        List<Message> received = List.of();
        long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (received.isEmpty() && System.nanoTime() < deadline) {
            received = aws.receiveAll("MessageQueue", 10);
        }
        assertEquals(1, received.size());
        Message message = received.get(0);
        assertEquals("{\"message_id\":\"m1\"}", message.body());
        assertEquals("1001", message.messageAttributes().get("page_id").stringValue());
        assertEquals("1", message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
        aws.purge("MessageQueue");
    }

    @Test
    void receiveAllCollectsMoreThanOneBatch(LocalAws aws) {
        aws.purge("MessageDeadLetterQueue");
        String url = aws.queueUrl("MessageDeadLetterQueue");
        for (int i = 0; i < 13; i++) {
            String body = "message " + i;
            aws.sqs().sendMessage(b -> b.queueUrl(url).messageBody(body));
        }

        List<Message> firstTwelve = aws.receiveAll("MessageDeadLetterQueue", 12);
        List<Message> rest = aws.receiveAll("MessageDeadLetterQueue", 12);

        assertEquals(12, firstTwelve.size());
        assertEquals(1, rest.size(), "received messages stay in flight, not receivable again at once");
        aws.purge("MessageDeadLetterQueue");
        assertTrue(aws.receiveAll("MessageDeadLetterQueue", 1).isEmpty());
    }

    @Test
    void secretsManagerControlsReachTheSameEndpoint(LocalAws aws) {
        var controls = aws.secretsManagerControls().orElseThrow();
        controls.putSecret("joinchat/pages/2001", "{\"api_secret\":\"s\"}");
        int before = controls.requestCount("GetSecretValue");

        aws.secretsManager().getSecretValue(b -> b.secretId("joinchat/pages/2001"));

        assertEquals(before + 1, controls.requestCount("GetSecretValue"));
    }

    @Test
    void templateIsFoundAboveTheWorkingDirectory() {
        assertTrue(LocalAwsExtension.findTemplate().toAbsolutePath().normalize().endsWith("template.yaml"));
        assertTrue(LocalAwsExtension.findTemplate().getParent().resolve("shared/local-aws/pom.xml").toFile().isFile());
    }
}
