package ai.joinchat.push.testing;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/** API Gateway HTTP API (payload format 2.0) events as Lambda receives them; run them with {@link StreamHandlers}. */
public final class ApiGatewayEvents {

    private ApiGatewayEvents() {
    }

    /** A POST of the body's UTF-8 bytes, sent as text or (as API Gateway does for some) base64. */
    public static ObjectNode post(String path, String body, Map<String, String> headers, boolean base64) {
        return request("POST", path, "", headers, body.getBytes(StandardCharsets.UTF_8), base64);
    }

    /** A GET without a body. */
    public static ObjectNode get(String path, String rawQueryString) {
        return request("GET", path, rawQueryString, Map.of(), null, false);
    }

    /**
     * A request as API Gateway builds it: {@code host} and {@code content-type: application/json},
     * then the given headers; the body (none when null) as text or base64 of its bytes.
     */
    public static ObjectNode request(String method, String path, String rawQueryString, Map<String, String> headers,
                                     byte[] body, boolean base64) {
        ObjectNode event = Json.object();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", path);
        event.put("rawQueryString", rawQueryString);
        ObjectNode h = event.putObject("headers");
        h.put("host", "abc123.execute-api.us-east-1.amazonaws.com");
        h.put("content-type", "application/json");
        headers.forEach(h::put);
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "123456789012");
        context.put("apiId", "abc123");
        context.put("requestId", "req-" + UUID.randomUUID());
        context.put("routeKey", "$default");
        context.put("stage", "$default");
        context.put("timeEpoch", 1_763_700_000_000L);
        context.putObject("http").put("method", method).put("path", path).put("protocol", "HTTP/1.1")
                .put("sourceIp", "203.0.113.7").put("userAgent", headers.getOrDefault("user-agent", "curl/8"));
        if (body != null) {
            event.put("body", base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8));
        }
        event.put("isBase64Encoded", body != null && base64);
        return event;
    }

    /** The JSON body of a proxy result. */
    public static JsonNode body(JsonNode response) {
        return Json.parse(response.path("body").asText());
    }
}
