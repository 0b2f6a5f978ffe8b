package ai.joinchat.push.send;

import ai.joinchat.push.send.store.DynamoIdempotencyKeys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Replay keys on a DynamoDB that answers no call: requests signed in the classic form never consult them. */
final class NoReplayProtection {

    private NoReplayProtection() {
    }

    static DynamoIdempotencyKeys keys() {
        DynamoDbClient unreachable = new DynamoDbClient() {
            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {
            }
        };
        return new DynamoIdempotencyKeys(unreachable, "keys", null);
    }
}
