package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Local mode's console: one line per thing that happens, each with the part of the system it
 * comes from ({@code gateway}, {@code graph}, {@code delivery}, a function's name, ...).
 * Readable text by default; with {@code --json-logs} every line is one JSON object, and the
 * functions' own JSON log lines pass through with a {@code source} field added. The functions'
 * metric lines (CloudWatch embedded metric format) appear only in the JSON form.
 */
public final class Console {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final int SOURCE_WIDTH = 9;
    /** Fields of the functions' JSON logs that the readable form shows elsewhere or leaves out. */
    private static final Set<String> LOG_FIELDS_SHOWN_ELSEWHERE = Set.of("timestamp", "level", "component", "event");

    private final PrintStream out;
    private final boolean jsonLines;

    public Console(PrintStream out, boolean jsonLines) {
        this.out = out;
        this.jsonLines = jsonLines;
    }

    /** Key/value pairs in the order given, for {@link #print}. */
    public static Map<String, Object> fields(Object... keysAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                fields.put(String.valueOf(keysAndValues[i]), keysAndValues[i + 1]);
            }
        }
        return fields;
    }

    /** One event: the readable line is {@code message}; the JSON line carries {@code event} and the fields. */
    public void print(String source, String event, String message, Map<String, Object> fields) {
        if (jsonLines) {
            ObjectNode node = Json.object().put("timestamp", Instant.now().toString()).put("source", source)
                    .put("event", event).put("message", message);
            fields.forEach((key, value) -> node.set(key, Json.MAPPER.valueToTree(value)));
            emit(Json.write(node));
        } else {
            emit(readablePrefix(source) + message);
        }
    }

    public void print(String source, String event, String message) {
        print(source, event, message, Map.of());
    }

    /** A block of text for people (the banner); in JSON mode it is one event carrying the fields. */
    public void block(String source, String event, String text, Map<String, Object> fields) {
        if (jsonLines) {
            print(source, event, text.strip(), fields);
        } else {
            emit(text);
        }
    }

    /** A line a function wrote to stdout or stderr. */
    public void functionOutput(String function, String stream, String line) {
        JsonNode parsed = line.startsWith("{") ? Json.parse(line.getBytes(StandardCharsets.UTF_8))
                .filter(JsonNode::isObject).orElse(null) : null;
        if (jsonLines) {
            emit(Json.write(parsed != null ? Json.object().put("source", function).setAll((ObjectNode) parsed)
                    : Json.object().put("timestamp", Instant.now().toString()).put("source", function)
                    .put("stream", stream).put("message", line)));
        } else if (parsed == null || !parsed.has("_aws")) {
            // Metric lines (CloudWatch embedded metric format) are for CloudWatch, not for reading.
            emit(readablePrefix(function) + (parsed != null ? readableLogLine(parsed) : line));
        }
    }

    /** A function's JSON log line as {@code LEVEL event key=value ...}. */
    private static String readableLogLine(JsonNode log) {
        String level = Json.text(log, "level");
        String event = Json.text(log, "event");
        String message = Json.text(log, "message");
        StringBuilder text = new StringBuilder(level != null ? level + " " : "")
                .append(event != null ? event : message != null ? message : "");
        for (Map.Entry<String, JsonNode> entry : log.properties()) {
            if (LOG_FIELDS_SHOWN_ELSEWHERE.contains(entry.getKey())
                    || (event == null && "message".equals(entry.getKey()))) {
                continue;
            }
            JsonNode value = entry.getValue();
            text.append(' ').append(entry.getKey()).append('=')
                    .append(value.isValueNode() ? value.asText() : Json.write(value));
        }
        return text.toString();
    }

    private String readablePrefix(String source) {
        return String.format("%s  %-" + SOURCE_WIDTH + "s ", TIME.format(LocalTime.now()), source);
    }

    private void emit(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
