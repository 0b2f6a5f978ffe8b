package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.FunctionBasics;
import ai.joinchat.push.config.Priming;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.worker.batch.SqsRecord;
import ai.joinchat.push.worker.graph.GraphError;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.queue.QueuedMessage;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * SnapStart priming of the worker: one SQS event through a batch processor built as Lambda's on
 * {@link FunctionBasics#prime}'s throw-away basics (secrets, binding lookup, claim, {@code failed} write).
 * Its recipient is bound to no one, so the Graph call (a real socket) is never made; its body,
 * appsecret_proof and error parsing are primed.
 */
public record WorkerPriming(Map<String, String> environment, Clock clock, GraphSendClient graph) implements Priming {

    private static final String SAMPLE_QUEUED_MESSAGE = "{\"v\":1,\"message_id\":\"prime\",\"page_id\":\"1234567890\","
            + "\"recipient\":{\"type\":\"email\",\"value\":\"prime@example.com\"},\"template_type\":\"button\","
            + "\"message\":{\"template_type\":\"button\",\"text\":\"Hello\",\"buttons\":[{\"type\":\"postback\","
            + "\"title\":\"Yes\",\"payload\":\"YES\"}],\"quick_replies\":[{\"content_type\":\"text\","
            + "\"title\":\"Hi\",\"payload\":\"HI\"}]},\"messaging_type\":\"UPDATE\",\"warnings\":[],"
            + "\"accepted_at\":\"2026-01-01T00:00:00Z\"}";

    @Override
    public List<String> run() {
        String event = "{\"Records\":[{\"messageId\":\"prime\",\"receiptHandle\":\"prime\",\"body\":"
                + Json.write(Json.MAPPER.getNodeFactory().textNode(SAMPLE_QUEUED_MESSAGE))
                + ",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},"
                + "\"eventSource\":\"aws:sqs\"}]}";
        List<SqsRecord> records = SqsRecord.readEvent(event.getBytes(StandardCharsets.UTF_8));
        QueuedMessage message = QueuedMessage.fromJson(records.get(0).body());
        Json.writeBytes(GraphSendClient.toSendApiBody(Json.object().put("id", "24681357"), message));
        Sha256.appSecretProof("prime-token", "prime-secret");
        GraphError.fromResponse(400, "{\"error\":{\"message\":\"x\",\"code\":100,\"error_subcode\":2018001}}");
        return FunctionBasics.prime("worker", environment, WorkerComponents.DECLARED_ENV, clock,
                DaemonThreads.fixedPool("delivery-priming", 1), (basics, deliveries) -> Json.batchResponse(
                        WorkerComponents.processor(basics, graph, deliveries, clock, DeliveryPolicy.DEFAULT_CLAIM_LEASE)
                                .process(records, Deadline.none(), Deadline.none())));
    }
}
