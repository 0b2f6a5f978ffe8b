package ai.joinchat.push.observability;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Structured logs: one JSON object per line on stdout, which Lambda's JSON log format and
 * CloudWatch Logs Insights read field by field. Callers pass ids and outcomes, never secrets.
 * Lines are billed by the byte: the function is not repeated (its log group says it, as local
 * mode's console does), and the timestamp is to the millisecond, as CloudWatch keeps it.
 */
public final class JsonLogger {

    public enum Level { DEBUG, INFO, WARN, ERROR }

    private final Level threshold;
    private final PrintStream out;
    private final Clock clock;

    /** {@code component} names the writer for the code's reader only; the line does not repeat it. */
    public JsonLogger(String component, String level) {
        this(component, parse(level), System.out, Clock.systemUTC());
    }

    public JsonLogger(String component, Level threshold, PrintStream out, Clock clock) {
        this.threshold = threshold;
        this.out = out;
        this.clock = clock;
    }

    private static Level parse(String level) {
        try {
            return level == null ? Level.INFO : Level.valueOf(level.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.INFO;
        }
    }

    /** Starts a log line; add fields, then {@link Entry#write()}. */
    public Entry info(String event) {
        return new Entry(Level.INFO, event);
    }

    public Entry warn(String event) {
        return new Entry(Level.WARN, event);
    }

    public Entry error(String event) {
        return new Entry(Level.ERROR, event);
    }

    public Entry debug(String event) {
        return new Entry(Level.DEBUG, event);
    }

    public final class Entry {
        private final Level level;
        private final ObjectNode node = Json.object();

        private Entry(Level level, String event) {
            this.level = level;
            node.put("timestamp", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
            node.put("level", level.name());
            node.put("event", event);
        }

        public Entry with(String key, String value) {
            if (value != null) {
                node.put(key, value);
            }
            return this;
        }

        public Entry with(String key, long value) {
            node.put(key, value);
            return this;
        }

        /** A counter that is mostly 0, left out when it is (Logs Insights sums a missing field as 0). */
        public Entry withNonZero(String key, long value) {
            return value == 0 ? this : with(key, value);
        }

        public Entry with(String key, boolean value) {
            node.put(key, value);
            return this;
        }

        /** Adds the failure's class and message (never a stack trace: logs go to operators). */
        public Entry with(Throwable failure) {
            if (failure != null) {
                node.put("error_type", failure.getClass().getName());
                if (failure.getMessage() != null) {
                    node.put("error_message", failure.getMessage());
                }
            }
            return this;
        }

        public void write() {
            if (level.ordinal() >= threshold.ordinal()) {
                String line = Json.write(node);
                synchronized (out) {
                    out.println(line);
                }
            }
        }
    }
}
