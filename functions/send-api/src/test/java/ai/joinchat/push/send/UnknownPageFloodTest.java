package ai.joinchat.push.send;

import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.local.aws.secretsmanager.SecretsManagerControls;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.StreamHandlers;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Contract section 3, unknown pages: a flood of requests for page ids without a secret costs
 * Secrets Manager a bounded number of lookups, answers 401, and leaves known pages' cached secrets
 * alone. Through the real handler and SDK clients on the local backends; the lookups are counted
 * by the local Secrets Manager. The clock is simulated (1 ms per request), so the bound does not
 * depend on how fast this machine is.
 */
@ExtendWith(LocalAwsExtension.class)
class UnknownPageFloodTest {

    private static final int REQUESTS = 20_000;
    private static final String SECRET = "flood-known-secret";

    @Test
    void twentyThousandUnknownPagesCostAFewHundredLookupsAnswer401AndKnownPagesStayCached(LocalAws aws)
            throws IOException {
        assumeTrue(aws.secretsManagerControls().isPresent(), "needs the local Secrets Manager's request counts");
        SecretsManagerControls secretsManager = aws.secretsManagerControls().get();
        AtomicLong millis = new AtomicLong(System.currentTimeMillis());
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis.get());
            }
        };
        SendApiHandler handler = SendApiComponents.create(aws.functionEnvironment("SendApiFunction"), clock).handler();
        String knownPage = "5550001" + (System.nanoTime() % 100_000);
        aws.putPageSecret(knownPage, SECRET, "flood-token", null);
        String knownBody = body(knownPage);
        assertEquals(202, status(handler, knownBody, SECRET), "the known page's secret is now cached");

        secretsManager.resetRequestCounts();
        Random random = new Random(42);
        int unauthorized = 0;
        for (int i = 0; i < REQUESTS; i++) {
            millis.addAndGet(1);
            String page = Long.toString(1_000_000_000L + (random.nextLong() & Long.MAX_VALUE) % 9_000_000_000_000L);
            if (status(handler, body(page), "a-guessed-secret") == 401) {
                unauthorized++;
            }
        }
        int lookups = secretsManager.requestCount("GetSecretValue");
        System.out.println("unknown-page flood: " + REQUESTS + " requests over a simulated " + REQUESTS / 1000
                + " s made " + lookups + " GetSecretValue calls");
        assertEquals(REQUESTS, unauthorized, "every request for an unknown page answers 401");
        assertTrue(lookups <= 20 + 10 * (REQUESTS / 1000) + 1, "lookups: " + lookups);
        assertTrue(lookups >= 20, "the burst of lookups did happen: " + lookups);

        secretsManager.resetRequestCounts();
        assertEquals(202, status(handler, knownBody, SECRET));
        assertEquals(0, secretsManager.requestCount("GetSecretValue"), "the known page's next request makes no lookup");
    }

    private static String body(String pageId) {
        return "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"24681357\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"flood\"}}";
    }

    private static int status(SendApiHandler handler, String body, String secret) throws IOException {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        JsonNode response = StreamHandlers.invoke(handler, ApiGatewayEvents.post("/api/send_message", body,
                Map.of("x-joinchat-signature", new SignatureVerifier().sign(raw, secret)), false));
        return response.path("statusCode").asInt();
    }
}
