package ai.joinchat.push.worker.batch;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One record of an SQS event as Lambda delivers it: only what the worker uses. */
public record SqsRecord(String messageId, String body, int receiveCount, String receiptHandle, String eventSourceArn,
                        Map<String, String> attributes) {

    public SqsRecord {
        body = body == null ? "" : body;
        receiveCount = Math.max(1, receiveCount);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The records of Lambda's SQS event ({@code {"Records": [...]}}); IllegalArgumentException if it is none. */
    public static List<SqsRecord> readEvent(byte[] event) {
        JsonNode root = Json.parse(event)
                .orElseThrow(() -> new IllegalArgumentException("event is not JSON"));
        JsonNode records = root.get("Records");
        if (records == null || !records.isArray()) {
            throw new IllegalArgumentException("event has no Records array");
        }
        List<SqsRecord> out = new ArrayList<>(records.size());
        for (JsonNode record : records) {
            String messageId = Json.text(record, "messageId");
            if (messageId == null || messageId.isEmpty()) {
                throw new IllegalArgumentException("an SQS record has no messageId");
            }
            out.add(new SqsRecord(messageId, Json.text(record, "body"), record.path("attributes").path("ApproximateReceiveCount").asInt(1),
                    Json.text(record, "receiptHandle"), Json.text(record, "eventSourceARN"), attributes(record)));
        }
        return out;
    }

    /** {@code messageAttributes}: the string values ({@code {"name": {"stringValue", "dataType"}}}). */
    private static Map<String, String> attributes(JsonNode record) {
        Map<String, String> attributes = new HashMap<>();
        record.path("messageAttributes").fields().forEachRemaining(field -> {
            String value = Json.text(field.getValue(), "stringValue");
            if (value != null) {
                attributes.put(field.getKey(), value);
            }
        });
        return attributes;
    }

    /** The queued message's id from the {@code message_id} attribute, whatever the body holds. */
    public Optional<String> queuedMessageId() {
        return Optional.ofNullable(attributes.get("message_id")).filter(id -> !id.isBlank());
    }
}
