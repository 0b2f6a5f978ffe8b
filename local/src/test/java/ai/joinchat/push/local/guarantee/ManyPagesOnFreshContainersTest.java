package ai.joinchat.push.local.guarantee;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.testing.ApiGatewayEvents;
import ai.joinchat.push.testing.FakeLambdaContext;
import ai.joinchat.push.testing.StreamHandlers;
import ai.joinchat.push.worker.WorkerComponents;
import ai.joinchat.push.worker.WorkerHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Contract section 2 (issue 17, finding 1): a backlog across 40 configured pages, sent through
 * fresh send API containers and delivered by one fresh worker container, is accepted and delivered
 * whole, although each container's limit on secret lookups (a burst of 20) covers only half of it.
 * The containers' clocks stand still, so the limit never refills: the result does not depend on how
 * fast this machine is. The real handlers, on the local backends provisioned from template.yaml.
 */
class ManyPagesOnFreshContainersTest {

    private static final int PAGES = 40;

    @Test
    void fortyConfiguredPagesOneMessageEachOnFreshContainersAreAllAcceptedAndNoneFails() throws Exception {
        try (GuaranteeRig rig = new GuaranteeRig(Duration.ofSeconds(5))) {
            List<String> pages = new ArrayList<>();
            for (int i = 0; i < PAGES; i++) {
                String page = "3100" + (1000 + i);
                rig.aws.putPageSecret(page, "many-secret-" + i, "many-token-" + i, null);
                pages.add(page);
            }
            Clock still = Clock.fixed(Instant.now(), ZoneOffset.UTC);

            Map<String, String> sendEnv = new HashMap<>(rig.aws.functionEnvironment("SendApiFunction"));
            sendEnv.put("LOG_LEVEL", "WARN");
            SendApiHandler send = new SendApiHandler(SendApiComponents.create(sendEnv, still));
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < PAGES; i++) {
                if (i == PAGES / 2) {
                    send = new SendApiHandler(SendApiComponents.create(sendEnv, still)); // another cold container
                }
                String body = "{\"page_id\":\"" + pages.get(i) + "\",\"recipient\":{\"id\":\"2468" + i + "\"},"
                        + "\"message\":{\"template_type\":\"text\",\"text\":\"many pages " + i + "\"}}";
                JsonNode response = StreamHandlers.invoke(send, ApiGatewayEvents.post("/api/send_message", body,
                        Map.of("x-joinchat-signature", new SignatureVerifier().sign(
                                body.getBytes(StandardCharsets.UTF_8), "many-secret-" + i)), false),
                        FakeLambdaContext.countingDown(Duration.ofSeconds(10)));
                assertEquals(202, response.path("statusCode").asInt(), "page " + i + ": " + response);
                accepted.add(Json.parse(response.path("body").asText()).path("message_id").asText());
            }

            Map<String, String> workerEnv = new HashMap<>(rig.aws.functionEnvironment("WorkerFunction"));
            workerEnv.put("GRAPH_API_BASE_URL", rig.messenger.baseUrl());
            workerEnv.put("LOG_LEVEL", "WARN");
            WorkerHandler worker = new WorkerHandler(WorkerComponents.create(workerEnv, still, Duration.ofSeconds(5),
                    GuaranteeRig.CLAIM_LEASE));
            String queueUrl = rig.aws.queueUrl("MessageQueue");
            try (SqsEventSourcePoller poller = new SqsEventSourcePoller(rig.aws.sqs(), queueUrl,
                    rig.aws.stack().queueArn("MessageQueue"), 10,
                    event -> StreamHandlers.invoke(worker, event, FakeLambdaContext.countingDown(Duration.ofSeconds(30))),
                    new JsonLogger("sqs-event-source", "ERROR"), Duration.ZERO)) {
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!rig.queueIsEmpty(queueUrl) && System.nanoTime() < end) {
                    if (poller.pollOnce(Duration.ZERO) == 0) {
                        GuaranteeRig.pause(200);
                    }
                }
            }

            Map<String, String> statuses = rig.statuses();
            List<String> notSent = accepted.stream().filter(id -> !"sent".equals(statuses.get(id)))
                    .map(id -> id + "=" + statuses.get(id)).toList();
            assertEquals(List.of(), notSent, "every accepted message is sent, none failed page_not_configured");
            for (String id : accepted) {
                assertEquals(1, rig.messenger.taken(id), "taken once: " + id);
            }
        }
    }
}
