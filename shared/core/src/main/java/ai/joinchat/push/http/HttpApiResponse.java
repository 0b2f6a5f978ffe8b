package ai.joinchat.push.http;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A response in API Gateway HTTP API (payload format 2.0) form. */
public record HttpApiResponse(int statusCode, Map<String, String> headers, String body) {

    public HttpApiResponse {
        headers = Map.copyOf(headers);
    }

    public static HttpApiResponse json(int status, JsonNode body) {
        return new HttpApiResponse(status, Map.of("content-type", "application/json"), Json.write(body));
    }

    public static HttpApiResponse text(int status, String body) {
        return new HttpApiResponse(status, Map.of("content-type", "text/plain; charset=utf-8"), body);
    }

    public static HttpApiResponse error(ErrorCode code, String message) {
        return error(code, message, List.of());
    }

    /** The contract's error shape; a 503 also tells the caller when to try again. */
    public static HttpApiResponse error(ErrorCode code, String message, List<FieldProblem> details) {
        ObjectNode root = Json.object();
        ObjectNode error = root.putObject("error");
        error.put("code", code.code());
        error.put("message", message);
        ArrayNode list = error.putArray("details");
        for (FieldProblem problem : details) {
            list.addObject().put("field", problem.field()).put("reason", problem.reason());
        }
        Map<String, String> headers = code == ErrorCode.UNAVAILABLE
                ? Map.of("content-type", "application/json", "retry-after", "2") : Map.of("content-type", "application/json");
        return new HttpApiResponse(code.status(), headers, Json.write(root));
    }

    public HttpApiResponse withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new HttpApiResponse(statusCode, copy, body);
    }

    /** The Lambda proxy result JSON. */
    public ObjectNode toEvent() {
        ObjectNode node = Json.object();
        node.put("statusCode", statusCode);
        ObjectNode h = node.putObject("headers");
        headers.forEach(h::put);
        node.put("body", body);
        node.put("isBase64Encoded", false);
        return node;
    }
}
