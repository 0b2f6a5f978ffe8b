package ai.joinchat.push.local;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A PrintStream whose lines go to the {@link Console} under one source name, for components
 * that log to a stream (the SQS event source's JSON logger).
 */
final class ConsoleLineStream extends OutputStream {

    private final Console console;
    private final String source;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private ConsoleLineStream(Console console, String source) {
        this.console = console;
        this.source = source;
    }

    static PrintStream to(Console console, String source) {
        return new PrintStream(new ConsoleLineStream(console, source), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            flushLine();
        } else if (b != '\r') {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        // Lines are passed on whole, at their newline.
    }

    @Override
    public synchronized void close() {
        flushLine();
    }

    private void flushLine() {
        if (line.size() > 0) {
            console.functionOutput(source, "stdout", line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }
}
