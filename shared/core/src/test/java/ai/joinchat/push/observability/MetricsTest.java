package ai.joinchat.push.observability;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class MetricsTest {

    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

    @Test
    void writesEmbeddedMetricFormat() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Metrics metrics = new Metrics("worker", new PrintStream(out, true, StandardCharsets.UTF_8), clock);
        metrics.count("MessagesSent", 3);
        metrics.flush();
        JsonNode line = Json.parse(out.toString(StandardCharsets.UTF_8).trim());
        JsonNode directive = line.path("_aws").path("CloudWatchMetrics").get(0);
        assertEquals(1_700_000_000_000L, line.path("_aws").path("Timestamp").asLong());
        assertEquals("JoinChatPush", directive.path("Namespace").asText());
        assertEquals("MessagesSent", directive.path("Metrics").get(0).path("Name").asText());
        assertEquals("[\"function\"]", Json.write(directive.path("Dimensions").get(0)));
        assertEquals(3, line.path("MessagesSent").asInt());
        assertEquals("worker", line.path("function").asText());
    }

    @Test
    void anInvocationsMetricsAreOneDocumentWrittenWhenItEnds() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Metrics metrics = new Metrics("worker", new PrintStream(out, true, StandardCharsets.UTF_8), clock);
        metrics.count("MessagesSent", 1);
        metrics.milliseconds("GraphLatency", 120);
        metrics.count("MessagesSent", 1);
        metrics.count("MessagesRetried", 1);
        metrics.milliseconds("GraphLatency", 80);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing before the invocation ends");

        metrics.flush();
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(1, lines.length, "one document: " + out);
        JsonNode line = Json.parse(lines[0]);
        JsonNode directive = line.path("_aws").path("CloudWatchMetrics").get(0);
        assertEquals("[[\"function\"]]", Json.write(directive.path("Dimensions")));
        assertEquals("[{\"Name\":\"MessagesSent\",\"Unit\":\"Count\"},{\"Name\":\"GraphLatency\",\"Unit\":\"Milliseconds\"},"
                + "{\"Name\":\"MessagesRetried\",\"Unit\":\"Count\"}]", Json.write(directive.path("Metrics")));
        assertEquals(2, line.path("MessagesSent").asInt(), "counts are summed: every alarm and panel reads their Sum");
        assertEquals("[120,80]", Json.write(line.path("GraphLatency")), "each duration is kept for the percentiles");
        assertEquals(1, line.path("MessagesRetried").asInt());

        out.reset();
        metrics.flush();
        assertEquals("", out.toString(StandardCharsets.UTF_8), "the next invocation starts empty");
    }

    @Test
    void aHundredValuesAreWrittenAtOnce() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Metrics metrics = new Metrics("callbacks", new PrintStream(out, true, StandardCharsets.UTF_8), clock);
        for (int i = 0; i < Metrics.MAX_VALUES; i++) {
            metrics.milliseconds("CallbackFirstTryLatency", i);
        }
        JsonNode full = Json.parse(out.toString(StandardCharsets.UTF_8).trim());
        assertEquals(Metrics.MAX_VALUES, full.path("CallbackFirstTryLatency").size(), "EMF's limit per document");
    }

    @Test
    void loggerWritesOneJsonObjectPerLineAndHonoursTheLevel() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonLogger log = new JsonLogger("send-api", JsonLogger.Level.INFO, new PrintStream(out, true, StandardCharsets.UTF_8), clock);
        log.debug("hidden").write();
        log.info("message_accepted").with("message_id", "m-1").with("delay_seconds", 3).write();
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(1, lines.length);
        JsonNode entry = Json.parse(lines[0]);
        assertEquals("m-1", entry.path("message_id").asText());
        assertEquals("INFO", entry.path("level").asText());
        assertEquals("message_accepted", entry.path("event").asText());
        assertFalse(entry.has("hidden"));
    }
}
