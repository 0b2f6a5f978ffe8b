package ai.joinchat.push.worker.graph;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * An error from the Graph API ({@code httpStatus} 0: a transport failure before any response).
 * The message is never null and never contains credentials. {@link #kind()} says what it means
 * for the message: throttling is "later", never "never"; anything not listed is permanent.
 */
public record GraphError(int httpStatus, Integer code, Integer subcode, String type, String message,
                         String fbtraceId) {

    public enum Kind { TRANSIENT, THROTTLED, PERMANENT }

    public static final int TRANSPORT_FAILURE_STATUS = 0;
    static final int MAX_MESSAGE_LENGTH = 300;
    static final Set<Integer> TRANSIENT_CODES = Set.of(1, 2, 341, 1200);
    /** Graph codes for rate limits: app (4), user (17), page (32), API (613), Messenger (80001, 80006). */
    static final Set<Integer> THROTTLING_CODES = Set.of(4, 17, 32, 613, 80001, 80006);
    /** Subcode that is permanent whatever the code or status. */
    static final int PERMANENT_SUBCODE = 2018338;

    public GraphError {
        message = message == null || message.isBlank() ? "unknown error" : message;
    }

    /** Parses {@code {"error": {...}}}; anything else keeps the status and an excerpt of the body. */
    public static GraphError fromResponse(int httpStatus, String body) {
        JsonNode error = body == null ? null
                : Json.parse(body.getBytes(StandardCharsets.UTF_8)).map(node -> node.path("error")).orElse(null);
        if (error == null || !error.isObject()) {
            return new GraphError(httpStatus, null, null, null, excerpt(httpStatus, body), null);
        }
        String message = text(error.get("message"));
        return new GraphError(httpStatus, integer(error.get("code")), integer(error.get("error_subcode")),
                text(error.get("type")), message != null ? truncate(singleLine(message)) : excerpt(httpStatus, body),
                text(error.get("fbtrace_id")));
    }

    /** {@code "timeout"} or {@code "connection failed: <class>"}; the exception's message is not used. */
    public static GraphError transportFailure(Throwable cause) {
        return new GraphError(TRANSPORT_FAILURE_STATUS, null, null, null, cause instanceof HttpTimeoutException
                ? "timeout" : "connection failed: " + cause.getClass().getSimpleName(), null);
    }

    public boolean isTransportFailure() {
        return httpStatus == TRANSPORT_FAILURE_STATUS;
    }

    public Kind kind() {
        if (subcode != null && subcode == PERMANENT_SUBCODE) {
            return Kind.PERMANENT;
        }
        if (httpStatus == 429 || (code != null && THROTTLING_CODES.contains(code))) {
            return Kind.THROTTLED;
        }
        if (httpStatus == TRANSPORT_FAILURE_STATUS || (httpStatus >= 500 && httpStatus <= 599)) {
            return Kind.TRANSIENT;
        }
        return code != null && TRANSIENT_CODES.contains(code) ? Kind.TRANSIENT : Kind.PERMANENT;
    }

    /** A copy whose message has every occurrence of the given values replaced (for credentials). */
    GraphError redact(String... sensitive) {
        String redacted = message;
        for (String value : sensitive) {
            if (value != null && !value.isEmpty()) {
                redacted = redacted.replace(value, "[redacted]");
            }
        }
        return redacted.equals(message) ? this : new GraphError(httpStatus, code, subcode, type, redacted, fbtraceId);
    }

    /** A scalar's text, null when absent, empty or not a scalar. */
    static String text(JsonNode node) {
        String value = node == null || !node.isValueNode() || node.isNull() ? null : node.asText();
        return value == null || value.isEmpty() ? null : value;
    }

    private static Integer integer(JsonNode node) {
        if (node != null && node.isIntegralNumber() && node.canConvertToInt()) {
            return node.intValue();
        }
        try {
            return node != null && node.isTextual() ? Integer.valueOf(node.textValue().trim()) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String excerpt(int httpStatus, String body) {
        String text = body == null ? "" : singleLine(body);
        return text.isEmpty() ? "HTTP " + httpStatus + " with empty body" : truncate(text);
    }

    private static String singleLine(String text) {
        return text.replaceAll("\\s+", " ").trim();
    }

    private static String truncate(String text) {
        return text.length() <= MAX_MESSAGE_LENGTH ? text : text.substring(0, MAX_MESSAGE_LENGTH) + "...";
    }
}
