package ai.joinchat.push.store;

import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * {@link ReceiptWatermarks} as one item per page and PSID ({@code state_key = receipts#<psid>})
 * in the table of {@code CONTACT_STATE_TABLE}; it expires with the records it bounds
 * ({@code expires_at}, refreshed on every advance).
 */
public final class DynamoReceiptWatermarks implements ReceiptWatermarks {

    static final String KEY_PREFIX = "receipts#";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final Clock clock;

    public DynamoReceiptWatermarks(DynamoDbClient dynamo, String table, Duration retention, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public Applied applied(String pageId, String psid) {
        Map<String, AttributeValue> item = SdkFailures.call("DynamoDB", () -> dynamo.getItem(r -> r.tableName(table)
                .key(key(pageId, psid)).projectionExpression("delivered_watermark, read_watermark")).item());
        if (item == null || item.isEmpty()) {
            return Applied.NONE;
        }
        return new Applied(number(item.get("delivered_watermark")), number(item.get("read_watermark")));
    }

    @Override
    public void advanceDelivered(String pageId, String psid, long watermark) {
        advance(pageId, psid, "delivered_watermark", watermark);
    }

    @Override
    public void advanceRead(String pageId, String psid, long watermark) {
        advance(pageId, psid, "read_watermark", watermark);
    }

    private void advance(String pageId, String psid, String field, long watermark) {
        try {
            SdkFailures.run("DynamoDB", () -> dynamo.updateItem(r -> r.tableName(table).key(key(pageId, psid))
                    .updateExpression("SET #w = :w, expires_at = :expires")
                    .conditionExpression("attribute_not_exists(#w) OR #w < :w")
                    .expressionAttributeNames(Map.of("#w", field))
                    .expressionAttributeValues(Map.of(
                            ":w", AttributeValue.fromN(Long.toString(watermark)),
                            ":expires", AttributeValue.fromN(Long.toString(clock.instant().plus(retention).getEpochSecond()))))));
        } catch (ConditionalCheckFailedException e) {
            // A higher watermark is stored already (a concurrent or later receipt).
        }
    }

    private static Map<String, AttributeValue> key(String pageId, String psid) {
        return Map.of("page_id", AttributeValue.fromS(pageId), "state_key", AttributeValue.fromS(KEY_PREFIX + psid));
    }

    private static long number(AttributeValue value) {
        return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    }
}
