package ai.joinchat.push.observability;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;

/**
 * CloudWatch metrics through the Embedded Metric Format: a JSON line on stdout that CloudWatch
 * turns into metrics, with no API call and no dependency. Namespace {@code JoinChatPush}.
 */
public final class Metrics {

    public static final String NAMESPACE = "JoinChatPush";

    private final String function;
    private final PrintStream out;
    private final Clock clock;

    public Metrics(String function, PrintStream out, Clock clock) {
        this.function = function;
        this.out = out;
        this.clock = clock;
    }

    public void count(String name, long value) {
        emit(name, value, "Count", Map.of());
    }

    public void count(String name, long value, Map<String, String> dimensions) {
        emit(name, value, "Count", dimensions);
    }

    public void milliseconds(String name, long value) {
        emit(name, value, "Milliseconds", Map.of());
    }

    private void emit(String name, long value, String unit, Map<String, String> dimensions) {
        ObjectNode root = Json.object();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dimensionSet = directive.putArray("Dimensions").addArray();
        dimensionSet.add("function");
        dimensions.keySet().stream().sorted().forEach(dimensionSet::add);
        directive.putArray("Metrics").addObject().put("Name", name).put("Unit", unit);
        root.put("function", function);
        dimensions.forEach(root::put);
        root.put(name, value);
        String line = Json.write(root);
        synchronized (out) {
            out.println(line);
        }
    }
}
