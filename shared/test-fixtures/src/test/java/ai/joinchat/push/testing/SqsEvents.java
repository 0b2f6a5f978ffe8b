package ai.joinchat.push.testing;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** SQS events as Lambda's event source mapping hands them to a function. */
public final class SqsEvents {

    private SqsEvents() {
    }

    /** One record of a batch: the message, its receipt handle and how often it was received. */
    public static ObjectNode record(String messageId, String receiptHandle, String body, int receiveCount) {
        ObjectNode record = Json.object();
        record.put("messageId", messageId);
        record.put("receiptHandle", receiptHandle);
        record.put("body", body);
        record.putObject("attributes")
                .put("ApproximateReceiveCount", Integer.toString(receiveCount))
                .put("SentTimestamp", "1777883400000")
                .put("SenderId", "AIDAEXAMPLE")
                .put("ApproximateFirstReceiveTimestamp", "1777883400012");
        record.putObject("messageAttributes");
        record.put("md5OfBody", "ignored");
        record.put("eventSource", "aws:sqs");
        record.put("eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:queue");
        record.put("awsRegion", "us-east-1");
        return record;
    }

    /** The batch of the given records. */
    public static ObjectNode event(List<ObjectNode> records) {
        ObjectNode event = Json.object();
        event.putArray("Records").addAll(records);
        return event;
    }
}
