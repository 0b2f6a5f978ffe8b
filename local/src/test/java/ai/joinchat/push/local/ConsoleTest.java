package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleTest {

    private static final String FUNCTION_LOG =
            "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"level\":\"INFO\",\"component\":\"worker\",\"event\":\"message_delivery\",\"message_id\":\"m-1\",\"attempt\":1}";
    private static final String METRIC_LOG =
            "{\"_aws\":{\"CloudWatchMetrics\":[{\"Metrics\":[{\"Name\":\"MessagesSent\"}]}]},\"MessagesSent\":1}";

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private Console console(boolean json) {
        return new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8), json);
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void readableLinesShowTheSourceAndTheFunctionsLogFields() {
        Console console = console(false);
        console.print("gateway", "http_request", "POST /api/send_message -> 202");
        console.functionOutput("worker", "stdout", FUNCTION_LOG);
        console.functionOutput("worker", "stdout", METRIC_LOG);
        console.functionOutput("worker", "stderr", "plain text");

        List<String> lines = lines();
        assertEquals(3, lines.size(), "metric lines are left out of the readable console: " + lines);
        assertTrue(lines.get(0).endsWith("gateway   POST /api/send_message -> 202"), lines.get(0));
        assertTrue(lines.get(1).endsWith("worker    INFO message_delivery message_id=m-1 attempt=1"), lines.get(1));
        assertTrue(lines.get(2).endsWith("worker    plain text"), lines.get(2));
    }

    @Test
    void jsonLinesAreOneObjectEachWithTheirSource() {
        Console console = console(true);
        console.print("delivery", "delivery", "m-1 sent", Console.fields("message_id", "m-1", "latency_ms", 42L));
        console.functionOutput("worker", "stdout", FUNCTION_LOG);
        console.functionOutput("worker", "stdout", METRIC_LOG);
        console.functionOutput("worker", "stderr", "plain text");

        List<JsonNode> lines = lines().stream().map(Json::parse).toList();
        assertEquals(4, lines.size());
        assertEquals("delivery", lines.get(0).path("source").asText());
        assertEquals("m-1", lines.get(0).path("message_id").asText());
        assertEquals(42, lines.get(0).path("latency_ms").asInt());
        assertEquals("worker", lines.get(1).path("source").asText());
        assertEquals("message_delivery", lines.get(1).path("event").asText());
        assertEquals(1, lines.get(2).path("MessagesSent").asInt());
        assertEquals("stderr", lines.get(3).path("stream").asText());
        assertEquals("plain text", lines.get(3).path("message").asText());
    }

    private static final String ACCEPTED_LOG = "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"level\":\"INFO\","
            + "\"component\":\"send-api\",\"event\":\"message_accepted\",\"message_id\":\"m-1\"}";

    @Test
    void aSandboxLineAboutAMessageIsPrintedAfterThatMessagesAcceptedLine() {
        Console console = console(false);
        console.orderAfterAcceptance();
        console.printAboutMessage("m-1", "graph", "graph_message_delivered", "page 1 -> psid 2: text \"Hi\"", Console.fields());
        assertEquals(List.of(), lines(), "held until the send API's line about m-1 arrives");

        console.functionOutput("send-api", "stdout", ACCEPTED_LOG);
        console.printAboutMessage("m-1", "graph", "graph_message_delivered", "again", Console.fields());
        List<String> lines = lines();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("INFO message_accepted message_id=m-1"), lines.get(0));
        assertTrue(lines.get(1).endsWith("text \"Hi\""), lines.get(1));
        assertTrue(lines.get(2).endsWith("again"), "once accepted, at once: " + lines.get(2));
    }

    @Test
    void aSandboxLineWhoseMessageIsNeverAcceptedHereIsPrintedAfterTheWait() throws InterruptedException {
        Console console = console(false);
        console.orderAfterAcceptance();
        long started = System.nanoTime();
        console.printAboutMessage("m-elsewhere", "graph", "graph_message_delivered", "sent", Console.fields());
        while (lines().isEmpty() && System.nanoTime() - started < 10_000_000_000L) {
            Thread.sleep(20);
        }
        assertEquals(1, lines().size(), "printed in the end");
        assertTrue(System.nanoTime() - started >= Console.ACCEPTANCE_WAIT.toNanos() - 50_000_000L);
    }

    @Test
    void withoutTheSendApiNothingWaits() {
        Console console = console(false);
        console.printAboutMessage("m-1", "graph", "graph_message_delivered", "sent", Console.fields());
        assertEquals(1, lines().size());
    }

    @Test
    void aFunctionsLineShowsTheTimeItWasLogged() {
        console(false).functionOutput("worker", "stdout", FUNCTION_LOG);
        String expected = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").format(
                java.time.LocalTime.ofInstant(java.time.Instant.parse("2026-01-01T00:00:00Z"), java.time.ZoneId.systemDefault()));
        assertTrue(lines().get(0).startsWith(expected), lines().get(0));
    }
}
