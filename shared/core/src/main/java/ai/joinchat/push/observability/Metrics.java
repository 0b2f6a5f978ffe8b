package ai.joinchat.push.observability;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch metrics through the Embedded Metric Format: a JSON line on stdout that CloudWatch
 * turns into metrics, with no API call and no dependency. Namespace {@code JoinChatPush}.
 *
 * <p>An invocation's metrics are held and written as one document by {@link #flush()}, which the
 * handler calls when the invocation ends, however it ends. Counts of one name are summed (every
 * alarm and panel reads their {@code Sum}); each duration is kept, as a value array, for the
 * percentiles. The one dimension is {@code function}; a name with {@value #MAX_VALUES} values
 * (EMF's limit per document) is written out at once.
 */
public final class Metrics {

    public static final String NAMESPACE = "JoinChatPush";
    static final int MAX_VALUES = 100;

    private record Pending(String unit, List<Long> values) {
    }

    private final String function;
    private final PrintStream out;
    private final Clock clock;
    private final Map<String, Pending> held = new LinkedHashMap<>();

    public Metrics(String function, PrintStream out, Clock clock) {
        this.function = function;
        this.out = out;
        this.clock = clock;
    }

    public void count(String name, long value) {
        hold(name, value, "Count");
    }

    public void milliseconds(String name, long value) {
        hold(name, value, "Milliseconds");
    }

    private synchronized void hold(String name, long value, String unit) {
        Pending pending = held.computeIfAbsent(name, n -> new Pending(unit, new ArrayList<>()));
        if (unit.equals("Count") && !pending.values().isEmpty()) {
            pending.values().set(0, pending.values().get(0) + value);
        } else {
            pending.values().add(value);
        }
        if (pending.values().size() >= MAX_VALUES) {
            flush();
        }
    }

    public synchronized void flush() {
        if (held.isEmpty()) {
            return;
        }
        ObjectNode root = Json.object();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        directive.putArray("Dimensions").addArray().add("function");
        ArrayNode definitions = directive.putArray("Metrics");
        root.put("function", function);
        held.forEach((name, pending) -> {
            definitions.addObject().put("Name", name).put("Unit", pending.unit());
            if (pending.values().size() == 1) {
                root.put(name, pending.values().get(0));
            } else {
                pending.values().forEach(root.putArray(name)::add);
            }
        });
        held.clear();
        String line = Json.write(root);
        synchronized (out) {
            out.println(line);
        }
    }
}
