package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.TemplateDocument;
import ai.joinchat.push.observability.Metrics;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The template's operations side tells the truth: the alarms an operator needs exist and notify
 * the alarm topic, every metric an alarm or the dashboard reads is one the code writes (name and
 * "function" dimension), and log retention, reserved concurrency and route throttles come from
 * parameters.
 */
class OperationsTemplateTest {

    private static final Path ROOT = LocalMode.findRepositoryRoot();
    private static final TemplateDocument DOCUMENT = new TemplateDocument(SamTemplate.read(ROOT.resolve("template.yaml")));
    private static final List<String> FUNCTIONS = List.of("send-api", "worker", "webhook", "callbacks");

    /** The alarms issue 21 asks for, and issue 19's on dropped callbacks and its undrained dead-letter queue. */
    private static final Set<String> REQUIRED_ALARMS = Set.of(
            "DeadLetterQueueAlarm", "DeadLetterQueueDepthAlarm", "OldestMessageAgeAlarm",
            "WorkerErrorsAlarm", "WorkerThrottlesAlarm", "WebhookErrorsAlarm", "WebhookThrottlesAlarm",
            "SendOutcomeUnknownAlarm", "WebhookFailuresAlarm", "WebhookEventsSkippedAlarm",
            "SecretListingUnavailableAlarm", "SecretLookupsDeferredAlarm", "DependencyFailuresAlarm",
            "PageThrottledAlarm", "MessagesRateLimitedAlarm", "CallbacksDroppedAlarm",
            "CallbackDeadLetterQueueAlarm");

    private static final Map<String, Object> TO_TOPIC_ARN =
            Map.of("Fn::If", List.of("HasAlarmTopicArn", Map.of("Ref", "AlarmTopicArn"), Map.of("Ref", "AWS::NoValue")));
    private static final Map<String, Object> TO_EMAIL_TOPIC =
            Map.of("Fn::If", List.of("HasAlarmEmail", Map.of("Ref", "AlarmTopic"), Map.of("Ref", "AWS::NoValue")));

    @Test
    void everyRequiredAlarmExistsAndEveryAlarmNotifiesTheAlarmTopicOnAlarmAndRecovery() {
        List<String> alarms = DOCUMENT.resourcesOfType("AWS::CloudWatch::Alarm");
        assertTrue(alarms.containsAll(REQUIRED_ALARMS), "missing: " + missing(REQUIRED_ALARMS, alarms));
        for (String alarm : alarms) {
            Map<String, Object> properties = DOCUMENT.properties(alarm);
            assertEquals(List.of(TO_TOPIC_ARN, TO_EMAIL_TOPIC), properties.get("AlarmActions"), alarm);
            assertEquals(List.of(TO_TOPIC_ARN, TO_EMAIL_TOPIC), properties.get("OKActions"), alarm);
            assertTrue(String.valueOf(properties.get("AlarmDescription")).contains("Check first:"),
                    alarm + " tells the operator what to check first");
        }
        assertEquals("AWS::SNS::Topic", DOCUMENT.type("AlarmTopic"));
        assertEquals("HasAlarmEmail", DOCUMENT.map("Resources", "AlarmTopic").get("Condition"));
        assertEquals(List.of(Map.of("Protocol", "email", "Endpoint", Map.of("Ref", "AlarmEmail"))),
                DOCUMENT.properties("AlarmTopic").get("Subscription"));
        assertFalse(DOCUMENT.isConditionTrue("HasAlarmEmail"), "no topic unless an address is given");
        assertTrue(DOCUMENT.withParameters(Map.of("AlarmEmail", "oncall@example.com")).isConditionTrue("HasAlarmEmail"));
        assertTrue(DOCUMENT.withParameters(Map.of("AlarmTopicArn", "arn:aws:sns:eu-west-1:123456789012:pager"))
                .isConditionTrue("HasAlarmTopicArn"));
    }

    @Test
    void everyJoinChatPushMetricOfTheAlarmsIsOneTheCodeEmitsWithItsFunctionDimension() {
        Map<String, Set<String>> emitted = emittedMetrics();
        List<String> read = new ArrayList<>();
        for (String alarm : DOCUMENT.resourcesOfType("AWS::CloudWatch::Alarm")) {
            Map<String, Object> properties = DOCUMENT.properties(alarm);
            if (properties.containsKey("MetricName")) {
                read.add(check(alarm, properties.get("Namespace"), properties.get("MetricName"),
                        properties.get("Dimensions"), emitted));
            }
            for (Object query : (List<?>) properties.getOrDefault("Metrics", List.of())) {
                Map<?, ?> stat = (Map<?, ?>) ((Map<?, ?>) query).get("MetricStat");
                if (stat != null) {
                    Map<?, ?> metric = (Map<?, ?>) stat.get("Metric");
                    read.add(check(alarm, metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions"), emitted));
                }
            }
        }
        assertTrue(read.contains("MessagesDeadLettered/worker") && read.contains("SendOutcomeUnknown/send-api"), "read: " + read);
    }

    @Test
    void theDashboardReadsOnlyMetricsAndLogLinesTheCodeWrites() {
        Map<String, Set<String>> emitted = emittedMetrics();
        Map<String, Object> properties = DOCUMENT.properties("Dashboard");
        String body = String.valueOf(((Map<?, ?>) properties.get("DashboardBody")).get("Fn::Sub"));

        Set<String> names = new TreeSet<>(DOCUMENT.map("Resources").keySet());
        names.addAll(DOCUMENT.map("Parameters").keySet());
        Matcher reference = Pattern.compile("\\$\\{([^}]+)}").matcher(body);
        while (reference.find()) {
            String target = reference.group(1).split("\\.")[0];
            assertTrue(target.startsWith("AWS::") || names.contains(target), "the dashboard names an unknown " + target);
        }

        JsonNode dashboard = Json.parse(body.replaceAll("\\$\\{[^}]+}", "1"));
        int ours = 0;
        Set<String> logEvents = new TreeSet<>();
        for (JsonNode widget : dashboard.get("widgets")) {
            JsonNode widgetProperties = widget.get("properties");
            for (JsonNode row : widgetProperties.path("metrics")) {
                List<Object> dimensions = new ArrayList<>();
                for (int i = 2; i + 1 < row.size() && row.get(i).isTextual(); i += 2) {
                    dimensions.add(Map.of("Name", row.get(i).asText(), "Value", row.get(i + 1).asText()));
                }
                if (row.get(0).asText().equals(Metrics.NAMESPACE)) {
                    check("Dashboard", row.get(0).asText(), row.get(1).asText(), dimensions, emitted);
                    ours++;
                } else {
                    assertTrue(row.get(0).asText().startsWith("AWS/"), "dashboard metric of an unknown namespace: " + row);
                }
            }
            Matcher event = Pattern.compile("event = '([a-z_]+)'").matcher(widgetProperties.path("query").asText());
            while (event.find()) {
                logEvents.add(event.group(1));
            }
        }
        assertTrue(ours >= 20, "the dashboard shows the pipeline's own metrics: " + ours);
        String sources = mainSources();
        for (String event : logEvents) {
            assertTrue(sources.contains("\"" + event + "\""), "the dashboard queries log lines no code writes: " + event);
        }
        assertEquals(Set.of("webhook_received", "message_delivery", "page_throttled"), logEvents);
        for (String field : List.of("events_", "messages_advanced", "error_code", "graph_code", "rate_per_second")) {
            assertTrue(sources.contains("\"" + field), "the dashboard queries a field no log line has: " + field);
        }
    }

    @Test
    void logRetentionAndConcurrencyComeFromParameters() {
        assertEquals(30, ((Number) DOCUMENT.map("Parameters", "LogRetentionDays").get("Default")).intValue());
        for (String function : List.of("SendApiFunction", "WorkerFunction", "WebhookFunction", "CallbacksFunction")) {
            Object group = ((Map<?, ?>) DOCUMENT.properties(function).get("LoggingConfig")).get("LogGroup");
            assertTrue(group instanceof Map<?, ?> ref && ref.containsKey("Ref"), function + " names its log group: " + group);
            String logGroup = String.valueOf(((Map<?, ?>) group).get("Ref"));
            assertEquals("AWS::Logs::LogGroup", DOCUMENT.type(logGroup));
            assertEquals(Map.of("Ref", "LogRetentionDays"), DOCUMENT.properties(logGroup).get("RetentionInDays"));
        }
        assertEquals(4, DOCUMENT.resourcesOfType("AWS::Logs::LogGroup").size());

        assertEquals(Map.of("Fn::If", List.of("HasWebhookReservedConcurrency", Map.of("Ref", "WebhookReservedConcurrency"),
                Map.of("Ref", "AWS::NoValue"))), DOCUMENT.properties("WebhookFunction").get("ReservedConcurrentExecutions"));
        assertTrue(DOCUMENT.isConditionTrue("HasWebhookReservedConcurrency"), "reserved by default");
        assertFalse(DOCUMENT.withParameters(Map.of("WebhookReservedConcurrency", "0"))
                .isConditionTrue("HasWebhookReservedConcurrency"), "0 leaves the webhook unreserved");
        Map<?, ?> queue = (Map<?, ?>) DOCUMENT.map("Resources", "WorkerFunction", "Properties", "Events", "Queue").get("Properties");
        assertEquals(Map.of("MaximumConcurrency", Map.of("Ref", "WorkerMaximumConcurrency")), queue.get("ScalingConfig"));
    }

    @Test
    void everyRouteHasItsOwnThrottleAndUnknownRoutesTheSmallest() {
        Map<String, Map<?, ?>> settings = new TreeMap<>();
        for (String function : List.of("SendApiFunction", "WebhookFunction")) {
            Map<String, Object> events = DOCUMENT.map("Resources", function, "Properties", "Events");
            events.forEach((name, event) -> {
                Map<?, ?> properties = (Map<?, ?>) ((Map<?, ?>) event).get("Properties");
                Map<?, ?> route = (Map<?, ?>) properties.get("RouteSettings");
                assertTrue(route != null && route.containsKey("ThrottlingRateLimit") && route.containsKey("ThrottlingBurstLimit"),
                        function + "." + name + " has a throttle of its own");
                settings.put(name, route);
            });
        }
        assertEquals(Set.of("SendMessage", "MessageStatus", "ResendMessage", "Bindings", "Fallback", "Webhook"),
                settings.keySet());
        assertEquals(Map.of("Ref", "SendRouteRateLimit"), settings.get("SendMessage").get("ThrottlingRateLimit"));
        assertEquals(Map.of("Ref", "WebhookRouteRateLimit"), settings.get("Webhook").get("ThrottlingRateLimit"));
        int fallback = ((Number) settings.get("Fallback").get("ThrottlingRateLimit")).intValue();
        int send = ((Number) DOCUMENT.map("Parameters", "SendRouteRateLimit").get("Default")).intValue();
        assertTrue(fallback * 5 <= send, "unknown routes get a small bucket of their own: " + fallback + " vs " + send);
    }

    private static String check(String where, Object namespace, Object name, Object dimensions, Map<String, Set<String>> emitted) {
        if (!Metrics.NAMESPACE.equals(namespace)) {
            assertTrue(String.valueOf(namespace).startsWith("AWS/"), where + ": unknown namespace " + namespace);
            return "";
        }
        Set<String> functions = emitted.get(String.valueOf(name));
        assertTrue(functions != null, where + " reads " + name + ", which no code emits; emitted: " + emitted.keySet());
        List<?> list = (List<?>) dimensions;
        assertTrue(list != null && list.size() == 1, where + ": " + name + " has exactly the dimension function: " + dimensions);
        Map<?, ?> dimension = (Map<?, ?>) list.get(0);
        assertEquals("function", dimension.get("Name"), where);
        assertTrue(functions.contains(String.valueOf(dimension.get("Value"))),
                where + ": " + name + " is emitted by " + functions + ", not " + dimension.get("Value"));
        return name + "/" + dimension.get("Value");
    }

    /**
     * Metric name to the functions that emit it, from the string literals of metrics.count("X"),
     * metrics.milliseconds("X") and countNonZero("X") (the webhook's counts left out when 0) in the
     * main sources; shared/core's metrics may come from any function.
     */
    private static Map<String, Set<String>> emittedMetrics() {
        Pattern call = Pattern.compile("(?:metrics\\.(?:count|milliseconds)|countNonZero)\\(\"([A-Za-z]+)\"");
        Map<String, Set<String>> emitted = new TreeMap<>();
        for (String function : FUNCTIONS) {
            collect(call, ROOT.resolve("functions/" + function + "/src/main/java"), Set.of(function), emitted);
        }
        collect(call, ROOT.resolve("shared/core/src/main/java"), Set.copyOf(FUNCTIONS), emitted);
        assertTrue(emitted.containsKey("MessagesSent") && emitted.containsKey("WebhookEvents"), "scanned: " + emitted);
        return emitted;
    }

    private static void collect(Pattern call, Path sources, Set<String> functions, Map<String, Set<String>> into) {
        Matcher matcher = call.matcher(read(sources));
        while (matcher.find()) {
            into.computeIfAbsent(matcher.group(1), name -> new TreeSet<>()).addAll(functions);
        }
    }

    private static String mainSources() {
        StringBuilder all = new StringBuilder();
        for (String function : FUNCTIONS) {
            all.append(read(ROOT.resolve("functions/" + function + "/src/main/java")));
        }
        return all.append(read(ROOT.resolve("shared/core/src/main/java"))).toString();
    }

    private static String read(Path sources) {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".java")).sorted().toList()) {
                text.append(Files.readString(file)).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    private static Set<String> missing(Set<String> wanted, List<String> present) {
        Set<String> missing = new TreeSet<>(wanted);
        present.forEach(missing::remove);
        return missing;
    }
}
