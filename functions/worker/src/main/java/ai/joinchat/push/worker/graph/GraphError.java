package ai.joinchat.push.worker.graph;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An error from the Graph API ({@code httpStatus} 0: a transport failure before any response).
 * The message is never null and never contains credentials.
 */
public record GraphError(int httpStatus, Integer code, Integer subcode, String type, String message,
                         String fbtraceId) {

    public static final int TRANSPORT_FAILURE_STATUS = 0;

    static final int MAX_MESSAGE_LENGTH = 300;

    public GraphError {
        message = message == null || message.isBlank() ? "unknown error" : message;
    }

    /** Parses {@code {"error": {...}}}; anything else keeps the status and an excerpt of the body. */
    public static GraphError fromResponse(int httpStatus, String body) {
        JsonNode error = parseErrorObject(body);
        if (error == null) {
            return new GraphError(httpStatus, null, null, null, excerpt(httpStatus, body), null);
        }
        String message = text(error.get("message"));
        return new GraphError(
                httpStatus,
                integer(error.get("code")),
                integer(error.get("error_subcode")),
                text(error.get("type")),
                message != null ? truncate(singleLine(message)) : excerpt(httpStatus, body),
                text(error.get("fbtrace_id")));
    }

    /** {@code "timeout"} or {@code "connection failed: <class>"}; the exception's message is not used. */
    public static GraphError transportFailure(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        if (cause instanceof HttpTimeoutException) {
            return transportFailure("timeout");
        }
        return transportFailure("connection failed: " + cause.getClass().getSimpleName());
    }

    public static GraphError transportFailure(String message) {
        return new GraphError(TRANSPORT_FAILURE_STATUS, null, null, null, message, null);
    }

    public boolean isTransportFailure() {
        return httpStatus == TRANSPORT_FAILURE_STATUS;
    }

    /** A copy whose message has every occurrence of the given values replaced (for credentials). */
    GraphError redact(String... sensitive) {
        String redacted = message;
        for (String value : sensitive) {
            if (value != null && !value.isEmpty() && redacted.contains(value)) {
                redacted = redacted.replace(value, "[redacted]");
            }
        }
        return redacted.equals(message) ? this
                : new GraphError(httpStatus, code, subcode, type, redacted, fbtraceId);
    }

    private static JsonNode parseErrorObject(String body) {
        JsonNode error = body == null ? null
                : Json.parse(body.getBytes(StandardCharsets.UTF_8)).map(node -> node.path("error")).orElse(null);
        return error != null && error.isObject() ? error : null;
    }

    private static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isContainerNode()) {
            return null;
        }
        String value = node.asText();
        return value.isEmpty() ? null : value;
    }

    private static Integer integer(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return node.intValue();
        }
        if (node.isTextual()) {
            try {
                return Integer.valueOf(node.textValue().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
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
