package ai.joinchat.push.local;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** A PrintStream that passes on whole lines: to the {@link Console} under one source name, or to any consumer. */
final class ConsoleLineStream extends OutputStream {

    private final Consumer<String> sink;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private ConsoleLineStream(Consumer<String> sink) {
        this.sink = sink;
    }

    /** For components that log to a stream (the SQS event source's JSON logger). */
    static PrintStream to(Console console, String source) {
        return lines(text -> console.functionOutput(source, "stdout", text));
    }

    static PrintStream lines(Consumer<String> sink) {
        return new PrintStream(new ConsoleLineStream(sink), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            passOn();
        } else if (b != '\r') {
            line.write(b);
        }
    }

    @Override
    public synchronized void close() {
        passOn();
    }

    private void passOn() {
        if (line.size() > 0) {
            sink.accept(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }
}
