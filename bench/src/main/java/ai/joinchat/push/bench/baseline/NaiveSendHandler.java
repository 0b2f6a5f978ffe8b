package ai.joinchat.push.bench.baseline;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/**
 * The send handler a user would otherwise write: parse the body, PutItem the message, SendMessage
 * it, answer 202. No signature check, no validation, no idempotency and no guarantee that a
 * message recorded is also queued. SDK clients as the guides build them (default HTTP client
 * on the class path, default retries), endpoints from the standard variables.
 */
public final class NaiveSendHandler implements RequestStreamHandler {

    static final ObjectMapper JSON = new ObjectMapper();
    private final DynamoDbClient dynamo = Clients.dynamo();
    private final SqsClient sqs = Clients.sqs();
    private final String table = System.getenv("MESSAGES_TABLE");
    private final String queue = System.getenv("NAIVE_QUEUE_URL");

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String body = body(JSON.readTree(input));
        JsonNode request = JSON.readTree(body);
        String messageId = UUID.randomUUID().toString();
        String now = Instant.now().toString();
        dynamo.putItem(r -> r.tableName(table).item(Map.of(
                "message_id", AttributeValue.fromS(messageId),
                "page_id", AttributeValue.fromS(request.path("page_id").asText()),
                "recipient_value", AttributeValue.fromS(request.path("recipient").path("id").asText()),
                "status", AttributeValue.fromS("pending"),
                "created_at", AttributeValue.fromS(now))));
        sqs.sendMessage(r -> r.queueUrl(queue).messageBody(body));
        output.write(("{\"statusCode\":202,\"headers\":{\"content-type\":\"application/json\"},\"body\":"
                + JSON.writeValueAsString("{\"message_id\":\"" + messageId + "\"}") + "}").getBytes(StandardCharsets.UTF_8));
    }

    static String body(JsonNode event) {
        String body = event.path("body").asText("");
        return event.path("isBase64Encoded").asBoolean(false)
                ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body;
    }
}
