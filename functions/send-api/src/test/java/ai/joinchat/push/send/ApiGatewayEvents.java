package ai.joinchat.push.send;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** API Gateway HTTP API (payload format 2.0) events, as API Gateway builds them. */
final class ApiGatewayEvents {

    private ApiGatewayEvents() {
    }

    static String event(String method, String path, Map<String, String> headers, byte[] body, boolean base64) {
        ObjectNode event = Json.object();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", path);
        event.put("rawQueryString", "");
        ObjectNode h = event.putObject("headers");
        h.put("content-type", "application/json");
        h.put("host", "abc123.execute-api.us-east-1.amazonaws.com");
        headers.forEach(h::put);
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "123456789012");
        context.put("apiId", "abc123");
        context.put("requestId", "req-1");
        context.put("stage", "$default");
        context.put("timeEpoch", 1_763_700_000_000L);
        context.putObject("http").put("method", method).put("path", path).put("protocol", "HTTP/1.1")
                .put("sourceIp", "203.0.113.7").put("userAgent", "curl/8");
        if (body != null) {
            event.put("body", base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8));
            event.put("isBase64Encoded", base64);
        } else {
            event.put("isBase64Encoded", false);
        }
        return Json.write(event);
    }

    static JsonNode body(JsonNode response) {
        return Json.parse(response.path("body").asText());
    }
}
