package ai.joinchat.push.webhook;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** API Gateway HTTP API (2.0) events as Lambda receives them for {@code /webhook}, and a way to invoke the handler. */
final class ApiGatewayEvents {

    private ApiGatewayEvents() {
    }

    /** A POST whose body is the given text as sent (or base64 of its UTF-8 bytes). */
    static ObjectNode post(String body, Map<String, String> headers, boolean base64) {
        ObjectNode event = base("POST", "");
        ObjectNode h = (ObjectNode) event.get("headers");
        h.put("content-type", "application/json");
        headers.forEach(h::put);
        event.put("isBase64Encoded", base64);
        event.put("body", base64
                ? Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))
                : body);
        return event;
    }

    static ObjectNode get(String rawQueryString) {
        ObjectNode event = base("GET", rawQueryString);
        event.put("isBase64Encoded", false);
        return event;
    }

    private static ObjectNode base(String method, String rawQueryString) {
        ObjectNode event = Json.object();
        event.put("version", "2.0");
        event.put("routeKey", "ANY /webhook");
        event.put("rawPath", "/webhook");
        event.put("rawQueryString", rawQueryString);
        event.putObject("headers")
                .put("host", "abc123.execute-api.us-east-1.amazonaws.com")
                .put("user-agent", "facebookexternalua");
        ObjectNode context = event.putObject("requestContext");
        context.put("apiId", "abc123").put("requestId", "test").put("routeKey", "ANY /webhook").put("stage", "$default");
        context.putObject("http").put("method", method).put("path", "/webhook").put("protocol", "HTTP/1.1")
                .put("sourceIp", "173.252.127.1").put("userAgent", "facebookexternalua");
        return event;
    }

    /** Runs the handler on the event's JSON bytes and returns the proxy result. */
    static JsonNode invoke(WebhookHandler handler, ObjectNode event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(Json.writeBytes(event)), out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Json.parse(out.toString(StandardCharsets.UTF_8));
    }
}
