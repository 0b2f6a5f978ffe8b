package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** SQS events for invoking the worker directly. */
final class WorkerEvents {

    private WorkerEvents() {
    }

    /**
     * A one-record batch whose message the send API never accepted (no delivery record): the worker
     * parses it, finds no record to claim and, its decision time being past, drops it without
     * calling Graph.
     */
    static byte[] unknownMessage(String pageId) {
        ObjectNode body = Json.object();
        body.put("v", 1);
        body.put("message_id", "bench-unknown-" + Payloads.newMid());
        body.put("page_id", pageId);
        body.putObject("recipient").put("type", "id").put("value", Payloads.newPsid());
        body.put("template_type", "text");
        body.putObject("message").put("template_type", "text").put("text", "never accepted");
        body.put("messaging_type", "UPDATE");
        body.putArray("warnings");
        // Accepted long ago: its send API invocation is over, so the worker drops it at once
        // instead of waiting for a record that may still be being written.
        body.put("accepted_at", java.time.Instant.now().minusSeconds(60).toString());

        ObjectNode event = Json.object();
        event.putArray("Records").add(record(Json.write(body)));
        return Json.writeBytes(event);
    }

    /** One SQS event with a record per body, as Lambda hands the worker a full batch. */
    static byte[] batch(java.util.List<String> bodies) {
        ObjectNode event = Json.object();
        com.fasterxml.jackson.databind.node.ArrayNode records = event.putArray("Records");
        bodies.forEach(body -> records.add(record(body)));
        return Json.writeBytes(event);
    }

    private static ObjectNode record(String body) {
        long now = System.currentTimeMillis();
        ObjectNode record = Json.object();
        record.put("messageId", java.util.UUID.randomUUID().toString());
        record.put("receiptHandle", "bench-receipt-handle");
        record.put("body", body);
        ObjectNode attributes = record.putObject("attributes");
        attributes.put("ApproximateReceiveCount", "1");
        attributes.put("SentTimestamp", Long.toString(now));
        attributes.put("SenderId", "000000000000");
        attributes.put("ApproximateFirstReceiveTimestamp", Long.toString(now));
        record.putObject("messageAttributes");
        record.put("md5OfBody", "");
        record.put("eventSource", "aws:sqs");
        record.put("eventSourceARN", "arn:aws:sqs:us-east-1:000000000000:bench");
        record.put("awsRegion", "us-east-1");
        return record;
    }

}
