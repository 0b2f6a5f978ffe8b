package ai.joinchat.push.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP request as API Gateway HTTP API (payload format 2.0) delivers it: method, path,
 * headers by lower-cased name, query parameters, and the body as the exact bytes received.
 */
public record HttpApiRequest(String method, String path, Map<String, String> headers,
                             Map<String, List<String>> query, byte[] body) {

    public HttpApiRequest {
        Map<String, String> lower = new LinkedHashMap<>();
        headers.forEach((name, value) -> lower.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + "," + b));
        headers = Collections.unmodifiableMap(lower);
        query = Map.copyOf(query);
    }

    /**
     * Decodes an API Gateway v2 event. The body is base64-decoded when API Gateway says so; the
     * query string is parsed from {@code rawQueryString} so repeated and encoded keys survive.
     */
    public static HttpApiRequest fromEvent(JsonNode event) {
        JsonNode http = event.path("requestContext").path("http");
        String method = http.path("method").asText(event.path("httpMethod").asText("GET")).toUpperCase(Locale.ROOT);
        String path = event.path("rawPath").asText(http.path("path").asText("/"));

        Map<String, String> headers = new LinkedHashMap<>();
        event.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));

        Map<String, List<String>> query = new LinkedHashMap<>();
        String raw = event.path("rawQueryString").asText("");
        if (!raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        } else {
            event.path("queryStringParameters").fields().forEachRemaining(e ->
                    query.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().asText()));
        }

        JsonNode bodyNode = event.get("body");
        byte[] body;
        if (bodyNode == null || bodyNode.isNull()) {
            body = new byte[0];
        } else if (event.path("isBase64Encoded").asBoolean(false)) {
            body = decodeBase64(bodyNode.asText());
        } else {
            body = bodyNode.asText().getBytes(StandardCharsets.UTF_8);
        }
        return new HttpApiRequest(method, path, headers, query, body);
    }

    private static byte[] decodeBase64(String text) {
        try {
            return Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static String decode(String part) {
        try {
            return URLDecoder.decode(part, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return part;
        }
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    public Optional<String> queryParameter(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
