package ai.joinchat.push.send.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsCalls;
import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * {@link ImportReplays} in the idempotency table as {@code <page_id>#import:<replay key>} items,
 * expiring after {@link #WINDOW}: the claim is a conditional put, the answer a second put.
 */
public record DynamoImportReplays(DynamoDbClient dynamo, String table) implements ImportReplays {

    /** Well past the 300 s either side of a signature's timestamp, after which a repeat is refused anyway. */
    static final Duration WINDOW = Duration.ofHours(1);
    private static final String DYNAMODB = "DynamoDB";

    @Override
    public Claim claim(String pageId, String replayKey, Instant now, Deadline deadline) {
        Map<String, AttributeValue> item = DynamoIdempotencyKeys.keyItem(id(pageId, replayKey), now, WINDOW);
        try {
            SdkFailures.run(DYNAMODB, () -> dynamo.putItem(r -> r.tableName(table).item(item)
                    .conditionExpression(DynamoIdempotencyKeys.FREE)
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond()))))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB))));
            return new Claim.Taken();
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> held = e.hasItem() && !e.item().isEmpty() ? e.item()
                    : DynamoIdempotencyKeys.read(dynamo, table, id(pageId, replayKey), deadline);
            AttributeValue status = held == null ? null : held.get("status_code");
            AttributeValue response = held == null ? null : held.get("response");
            if (status == null || response == null) {
                return new Claim.Unanswered();
            }
            return new Claim.Answered(Integer.parseInt(status.n()), response.s());
        }
    }

    @Override
    public void complete(String pageId, String replayKey, int statusCode, String body, Instant now,
                         Deadline deadline) {
        Map<String, AttributeValue> item = DynamoIdempotencyKeys.keyItem(id(pageId, replayKey), now, WINDOW);
        item.put("status_code", AttributeValue.fromN(Integer.toString(statusCode)));
        item.put("response", AttributeValue.fromS(body));
        SdkFailures.run(DYNAMODB, () -> dynamo.putItem(r -> r.tableName(table).item(item)
                .overrideConfiguration(AwsCalls.within(deadline, DYNAMODB))));
    }

    private static String id(String pageId, String replayKey) {
        return pageId + "#import:" + replayKey;
    }
}
