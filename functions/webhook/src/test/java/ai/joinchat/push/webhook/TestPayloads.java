package ai.joinchat.push.webhook;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** The seed payloads (test resources) and a logger whose lines the test can read. */
public final class TestPayloads {

    public static final String PAGE_ID = "1234567890";
    public static final String PSID = "24680135792468";

    private TestPayloads() {
    }

    /** The raw bytes of {@code seeds/<name>}, exactly as stored. */
    public static byte[] seed(String name) {
        try (InputStream in = TestPayloads.class.getResourceAsStream("seeds/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no seed payload " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode seedJson(String name) {
        return Json.parse(new String(seed(name), StandardCharsets.UTF_8));
    }

    /** A logger writing into a buffer, so tests can assert on what was (not) logged. */
    public static final class CapturedLog {
        public final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        public final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        public final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        public final JsonLogger logger = new JsonLogger("webhook-test", JsonLogger.Level.DEBUG, out, clock);

        public String text() {
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }
}
