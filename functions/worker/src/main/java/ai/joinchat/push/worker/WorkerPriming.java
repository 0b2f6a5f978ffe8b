package ai.joinchat.push.worker;

import ai.joinchat.push.signature.AppSecretProof;
import ai.joinchat.push.worker.batch.SqsBatchProcessor;
import ai.joinchat.push.worker.batch.SqsEventCodec;
import ai.joinchat.push.worker.batch.SqsRecord;
import ai.joinchat.push.worker.graph.GraphError;
import ai.joinchat.push.worker.graph.GraphMessageMapper;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.queue.QueuedMessage;
import org.crac.Context;
import org.crac.Resource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SnapStart priming of the worker: before the checkpoint, warms the code paths of an invocation
 * without any network call: parses an event and a queued message, maps and serialises a Send API
 * body, computes an appsecret_proof and writes a response.
 */
public record WorkerPriming(SqsEventCodec codec, GraphMessageMapper mapper) implements Resource {

    static final String SAMPLE_QUEUED_MESSAGE = "{\"v\":1,\"message_id\":\"prime\",\"page_id\":\"1234567890\","
            + "\"recipient\":{\"type\":\"id\",\"value\":\"24681357\"},\"template_type\":\"button\","
            + "\"message\":{\"template_type\":\"button\",\"text\":\"Hello\",\"buttons\":[{\"type\":\"postback\","
            + "\"title\":\"Yes\",\"payload\":\"YES\"}],\"quick_replies\":[{\"content_type\":\"text\","
            + "\"title\":\"Hi\",\"payload\":\"HI\"}]},\"messaging_type\":\"UPDATE\",\"warnings\":[],"
            + "\"accepted_at\":\"2026-01-01T00:00:00Z\"}";

    public void run() {
        try {
            String event = "{\"Records\":[{\"messageId\":\"prime\",\"receiptHandle\":\"prime\",\"body\":"
                    + Json.write(Json.MAPPER.getNodeFactory().textNode(SAMPLE_QUEUED_MESSAGE))
                    + ",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},"
                    + "\"eventSource\":\"aws:sqs\"}]}";
            List<SqsRecord> records = codec.readEvent(
                    new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)));
            QueuedMessage message = QueuedMessage.fromJson(records.get(0).body());
            Json.writeBytes(mapper.toSendApiBody(Json.object().put("id", message.recipient().value()),
                    message.messagingType(), message.tag(),
                    mapper.toSendApiMessage(message.message(), message.messageId())));
            SqsBatchProcessor.groupKey(message);
            AppSecretProof.compute("prime-token", "prime-secret");
            GraphError.fromResponse(400, "{\"error\":{\"message\":\"x\",\"code\":100,\"error_subcode\":2018001}}");
            Json.writeBytes(codec.response(List.of("prime")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        run();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing: clients resolve credentials lazily and secrets are fetched (and cached) on use.
    }
}
