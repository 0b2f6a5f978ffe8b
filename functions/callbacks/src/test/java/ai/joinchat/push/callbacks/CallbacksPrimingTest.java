package ai.joinchat.push.callbacks;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The callbacks function's SnapStart priming runs the request path (a stream record read as its
 * event, the queued form written and read back, the signature) on a sample, with no client at all:
 * it can open no connection, and it leaves no log line and nothing behind, however often it runs.
 */
class CallbacksPrimingTest {

    @Test
    void primingRunsTheRequestPathTwiceAndWritesNothing() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(output, true, StandardCharsets.UTF_8));
        try {
            CallbacksPriming priming = new CallbacksPriming();
            for (int i = 0; i < 2; i++) {
                priming.beforeCheckpoint(null);
                priming.afterRestore(null);
            }
        } finally {
            System.setOut(stdout);
        }
        assertEquals("", output.toString(StandardCharsets.UTF_8));
        assertEquals("message.failed", CallbackEvent.fromStream(ai.joinchat.push.json.Json.parse(
                CallbacksPriming.SAMPLE_RECORD)).orElseThrow().type(), "the sample is a real event of the request path");
    }
}
