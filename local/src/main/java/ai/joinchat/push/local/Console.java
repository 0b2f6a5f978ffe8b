package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Local mode's console: one line per thing that happens, each with the part of the system it
 * comes from ({@code gateway}, {@code graph}, {@code delivery}, a function's name, ...).
 * Readable text by default; with {@code --json-logs} every line is one JSON object, and the
 * functions' own JSON log lines pass through with a {@code source} field added. The functions'
 * metric lines (CloudWatch embedded metric format) appear only in the JSON form.
 *
 * <p>A function's log line shows the time it was logged. The send API logs {@code message_accepted}
 * through its JVM's stdout, which can reach this console after the worker has already handed the
 * message to the Graph sandbox; once {@link #orderAfterAcceptance()} is on, a line
 * {@linkplain #printAboutMessage about a message} waits for that message's {@code message_accepted}
 * line (at most {@link #ACCEPTANCE_WAIT}), so each message reads in the order it happened.
 */
public final class Console {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final int SOURCE_WIDTH = 9;
    /** Fields of the functions' JSON logs that the readable form shows elsewhere or leaves out. */
    private static final Set<String> LOG_FIELDS_SHOWN_ELSEWHERE = Set.of("timestamp", "level", "component", "event");
    /** How long a line about a message waits for that message's {@code message_accepted} line. */
    static final Duration ACCEPTANCE_WAIT = Duration.ofSeconds(1);
    private static final int ACCEPTED_REMEMBERED = 10_000;

    private final PrintStream out;
    private final boolean jsonLines;
    private volatile boolean ordersAfterAcceptance;
    /** The latest message ids whose message_accepted line was printed; guarded by {@link #waiting}. */
    private final Set<String> accepted = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > ACCEPTED_REMEMBERED;
        }
    });
    /** Lines held until their message's message_accepted line, by message id. */
    private final Map<String, List<String>> waiting = new HashMap<>();

    /** The browser console, told of every JSON log line of a function. */
    private volatile BrowserConsole functionLogs;

    void feed(BrowserConsole browserConsole) {
        this.functionLogs = browserConsole;
    }

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
        emit(line(source, event, message, fields));
    }

    /** From now on, lines about a message wait for its {@code message_accepted} line (local mode's send API). */
    public void orderAfterAcceptance() {
        ordersAfterAcceptance = true;
    }

    /**
     * Like {@link #print}, for an event about the message the send API accepted as {@code messageId}
     * (null: unknown): printed after its {@code message_accepted} line, or {@link #ACCEPTANCE_WAIT}
     * later when none comes.
     */
    public void printAboutMessage(String messageId, String source, String event, String message,
                                  Map<String, Object> fields) {
        String line = line(source, event, message, fields);
        if (!ordersAfterAcceptance || messageId == null) {
            emit(line);
            return;
        }
        synchronized (waiting) {
            if (accepted.contains(messageId)) {
                emit(line);
                return;
            }
            waiting.computeIfAbsent(messageId, id -> new ArrayList<>()).add(line);
        }
        CompletableFuture.delayedExecutor(ACCEPTANCE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> release(messageId, false));
    }

    /** Prints the lines held for {@code messageId}; after its message_accepted line, later ones print at once. */
    private void release(String messageId, boolean acceptedNow) {
        synchronized (waiting) {
            if (acceptedNow) {
                accepted.add(messageId);
            }
            List<String> held = waiting.remove(messageId);
            if (held != null) {
                held.forEach(this::emit);
            }
        }
    }

    private String line(String source, String event, String message, Map<String, Object> fields) {
        if (jsonLines) {
            ObjectNode node = Json.object().put("timestamp", Instant.now().toString()).put("source", source)
                    .put("event", event).put("message", message);
            fields.forEach((key, value) -> node.set(key, Json.MAPPER.valueToTree(value)));
            return Json.write(node);
        }
        return readablePrefix(LocalTime.now(), source) + message;
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
            emit(readablePrefix(loggedAt(parsed), function) + (parsed != null ? readableLogLine(parsed) : line));
        }
        if (parsed != null && functionLogs != null) {
            functionLogs.functionLog(function, parsed);
        }
        String acceptedId = parsed != null && "message_accepted".equals(Json.text(parsed, "event"))
                ? Json.text(parsed, "message_id") : null;
        if (acceptedId != null) {
            release(acceptedId, true);
        }
    }

    /** When a function logged the line (its {@code timestamp}), in this machine's zone; now when it says none. */
    private static LocalTime loggedAt(JsonNode log) {
        try {
            String timestamp = log == null ? null : Json.text(log, "timestamp");
            return timestamp == null ? LocalTime.now()
                    : LocalTime.ofInstant(Instant.parse(timestamp), ZoneId.systemDefault());
        } catch (DateTimeParseException e) {
            return LocalTime.now();
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

    private static String readablePrefix(LocalTime time, String source) {
        return String.format("%s  %-" + SOURCE_WIDTH + "s ", TIME.format(time), source);
    }

    private void emit(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
