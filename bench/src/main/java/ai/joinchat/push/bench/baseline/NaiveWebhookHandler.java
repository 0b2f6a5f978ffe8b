package ai.joinchat.push.bench.baseline;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * The webhook a user would otherwise write: one PutItem per messaging event, in order, then 200.
 * No signature check and no batching.
 */
public final class NaiveWebhookHandler implements RequestStreamHandler {

    private final DynamoDbClient dynamo = Clients.dynamo();
    private final String table = System.getenv("MESSAGES_TABLE");

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode body = NaiveSendHandler.JSON.readTree(NaiveSendHandler.body(NaiveSendHandler.JSON.readTree(input)));
        for (JsonNode entry : body.path("entry")) {
            for (JsonNode event : entry.path("messaging")) {
                dynamo.putItem(r -> r.tableName(table).item(Map.of(
                        "message_id", AttributeValue.fromS("naive-event-" + UUID.randomUUID()),
                        "page_id", AttributeValue.fromS(event.path("recipient").path("id").asText()),
                        "psid", AttributeValue.fromS(event.path("sender").path("id").asText()),
                        "event", AttributeValue.fromS(event.toString()))));
            }
        }
        output.write("{\"statusCode\":200,\"body\":\"EVENT_RECEIVED\"}".getBytes(StandardCharsets.UTF_8));
    }
}
