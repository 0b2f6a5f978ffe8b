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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Contract sections 2-3, unknown pages: a flood of requests for page ids without a secret costs
 * Secrets Manager a bounded number of calls, answers 401 where a lookup was made and 503 (retry)
 * where the limit deferred it, and neither evicts known pages' cached secrets nor refuses a
 * configured page this container has not looked up yet. Through the real handler and SDK clients on the local backends; the lookups are counted
 * by the local Secrets Manager. The clock is simulated (1 ms per request), so the bound does not
 * depend on how fast this machine is.
 */
@ExtendWith(LocalAwsExtension.class)
class UnknownPageFloodTest {

    private static final int REQUESTS = 20_000;
    private static final String SECRET = "flood-known-secret";

    /** A clock that moves only when the test moves it. */
    private static Clock simulated(AtomicLong millis) {
        return new Clock() {
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
    }

    @Test
    void twentyThousandUnknownPagesCostAFewHundredLookupsNeverAnswer202AndKnownPagesStayCached(LocalAws aws)
            throws IOException {
        assumeTrue(aws.secretsManagerControls().isPresent(), "needs the local Secrets Manager's request counts");
        SecretsManagerControls secretsManager = aws.secretsManagerControls().get();
        AtomicLong millis = new AtomicLong(System.currentTimeMillis());
        Clock clock = simulated(millis);
        SendApiHandler handler = new SendApiHandler(
                SendApiComponents.create(aws.functionEnvironment("SendApiFunction"), clock));
        String knownPage = "5550001" + (System.nanoTime() % 100_000);
        aws.putPageSecret(knownPage, SECRET, "flood-token", null);
        String knownBody = body(knownPage);
        assertEquals(202, status(handler, knownBody, SECRET), "the known page's secret is now cached");

        secretsManager.resetRequestCounts();
        Random random = new Random(42);
        int unauthorized = 0;
        int deferred = 0;
        for (int i = 0; i < REQUESTS; i++) {
            millis.addAndGet(1);
            String page = Long.toString(1_000_000_000L + (random.nextLong() & Long.MAX_VALUE) % 9_000_000_000_000L);
            int status = status(handler, body(page), "a-guessed-secret");
            unauthorized += status == 401 ? 1 : 0;
            deferred += status == 503 ? 1 : 0;
        }
        int lookups = secretsManager.requestCount("GetSecretValue");
        int listings = secretsManager.requestCount("ListSecrets");
        System.out.println("unknown-page flood: " + REQUESTS + " requests over a simulated " + REQUESTS / 1000
                + " s made " + lookups + " GetSecretValue and " + listings + " ListSecrets calls");
        assertEquals(REQUESTS, unauthorized + deferred,
                "401 where GetSecretValue said absent, 503 where the limit deferred the lookup; never 202");
        assertEquals(lookups, unauthorized, "absent only on the store's word");
        assertTrue(lookups <= 20 + 10 * (REQUESTS / 1000) + 1, "lookups: " + lookups);
        assertTrue(lookups >= 20, "the burst of lookups did happen: " + lookups);
        assertTrue(listings <= REQUESTS / 5000 + 1, "a listing at most every 5 simulated seconds: " + listings);

        secretsManager.resetRequestCounts();
        assertEquals(202, status(handler, knownBody, SECRET));
        assertEquals(0, secretsManager.requestCount("GetSecretValue"), "the known page's next request makes no lookup");
    }

    @Test
    void whileAStrangerFloodsUnknownPagesConfiguredPagesNeverLookedUpHereAnswer202(LocalAws aws) throws IOException {
        assumeTrue(aws.secretsManagerControls().isPresent(), "needs the local Secrets Manager's request counts");
        SecretsManagerControls secretsManager = aws.secretsManagerControls().get();
        List<String> configured = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String page = "5551" + i + (System.nanoTime() % 100_000);
            aws.putPageSecret(page, SECRET + i, "token-" + i, null);
            configured.add(page);
        }
        AtomicLong millis = new AtomicLong(System.currentTimeMillis());
        SendApiHandler handler = new SendApiHandler(
                SendApiComponents.create(aws.functionEnvironment("SendApiFunction"), simulated(millis)));

        secretsManager.resetRequestCounts();
        int flood = 2000;
        Random random = new Random(7);
        for (int i = 0; i < flood; i++) {
            millis.addAndGet(1);
            String page = Long.toString(1_000_000_000L + (random.nextLong() & Long.MAX_VALUE) % 9_000_000_000_000L);
            assertTrue(status(handler, body(page), "a-guessed-secret") != 202);
        }
        int floodCalls = secretsManager.requestCount("GetSecretValue") + secretsManager.requestCount("ListSecrets");
        assertTrue(floodCalls < flood / 20, "Secrets Manager calls for the flood: " + floodCalls + " for " + flood);

        for (int i = 0; i < configured.size(); i++) {
            assertEquals(202, status(handler, body(configured.get(i)), SECRET + i),
                    "configured page " + i + " was never looked up by this container, and the limit is spent");
        }
    }

    @Test
    void withoutListSecretsConfiguredPagesAreFoundOrAnswered503NeverRefused(LocalAws aws) throws IOException {
        assumeTrue(aws.secretsManagerControls().isPresent(), "needs the local Secrets Manager's controls");
        SecretsManagerControls secretsManager = aws.secretsManagerControls().get();
        String early = "5552" + (System.nanoTime() % 100_000);
        String late = "5553" + (System.nanoTime() % 100_000);
        aws.putPageSecret(early, SECRET, "token", null);
        aws.putPageSecret(late, SECRET, "token", null);
        secretsManager.denyOperation("ListSecrets", true);
        try {
            AtomicLong millis = new AtomicLong(System.currentTimeMillis());
            SendApiHandler handler = new SendApiHandler(
                    SendApiComponents.create(aws.functionEnvironment("SendApiFunction"), simulated(millis)));
            secretsManager.resetRequestCounts();

            assertEquals(202, status(handler, body(early), SECRET), "the direct lookup still finds it");
            assertEquals(401, status(handler, body("4040404040"), SECRET), "and still refuses an unknown page");
            for (int i = 0; i < 100; i++) {
                status(handler, body(Long.toString(6_000_000_000L + i)), "a-guessed-secret");
            }
            JsonNode deferred = invoke(handler, body(late), SECRET);
            assertEquals(503, deferred.path("statusCode").asInt(), "the limit is spent: later, never 401");
            assertEquals("2", deferred.path("headers").path("retry-after").asText(), deferred.toString());
            assertTrue(deferred.path("body").asText().contains("\"unavailable\""), deferred.toString());

            millis.addAndGet(1000);
            assertEquals(202, status(handler, body(late), SECRET), "found once a lookup may be made");
            assertEquals(1, secretsManager.requestCount("ListSecrets"), "a denied listing rests, it is not retried per request");
        } finally {
            secretsManager.denyOperation("ListSecrets", false);
        }
    }

    private static String body(String pageId) {
        return "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"24681357\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"flood\"}}";
    }

    private static int status(SendApiHandler handler, String body, String secret) throws IOException {
        return invoke(handler, body, secret).path("statusCode").asInt();
    }

    private static JsonNode invoke(SendApiHandler handler, String body, String secret) throws IOException {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        return StreamHandlers.invoke(handler, ApiGatewayEvents.post("/api/send_message", body,
                Map.of("x-joinchat-signature", new SignatureVerifier().sign(raw, secret)), false));
    }
}
