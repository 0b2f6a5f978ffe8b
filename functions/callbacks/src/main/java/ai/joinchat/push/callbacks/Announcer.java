package ai.joinchat.push.callbacks;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretsProvider;
import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Stream records in, events for {@code CallbackQueue} out: each record's event, for pages whose
 * callbacks want its type. Nothing here waits on a developer's endpoint. A page lookup that is
 * deferred or fails, or a queue write that fails, fails the batch from that record on (the event
 * source retries it; events already queued come again with the same id).
 */
record Announcer(SecretsProvider secrets, SqsClient sqs, String queueUrl, JsonLogger log) {

    /** The sequence number of the first record not announced (the batch item failure); empty when all were. */
    List<String> announce(List<JsonNode> records) {
        List<QueuedCallback> wanted = new ArrayList<>();
        String failedAt = null;
        for (JsonNode record : records) {
            try {
                Optional<CallbackEvent> event = CallbackEvent.fromStream(record);
                if (event.isPresent() && secrets.pageSecrets(event.get().pageId()).decided()
                        .flatMap(PageSecrets::callbacks).filter(c -> c.wants(event.get().type())).isPresent()) {
                    wanted.add(QueuedCallback.first(event.get()));
                }
            } catch (DependencyUnavailableException e) {
                failedAt = record.path("dynamodb").path("SequenceNumber").asText();
                break;
            } catch (RuntimeException malformed) {
                log.error("unreadable_stream_record").with("event_id", record.path("eventID").asText()).with(malformed)
                        .write();
            }
        }
        try {
            send(wanted);
        } catch (DependencyUnavailableException e) {
            log.error("callback_queue_unavailable").with(e).write();
            failedAt = records.get(0).path("dynamodb").path("SequenceNumber").asText();
        }
        return failedAt == null ? List.of() : List.of(failedAt);
    }

    private void send(List<QueuedCallback> events) {
        for (int from = 0; from < events.size(); from += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = from; i < Math.min(events.size(), from + 10); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .messageBody(events.get(i).toJson()).build());
            }
            SendMessageBatchResponse response = SdkFailures.call("SQS",
                    () -> sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)));
            if (response.hasFailed() && !response.failed().isEmpty()) {
                throw SdkFailures.unavailable("SQS", null);
            }
        }
    }
}
