package ai.joinchat.push.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Between local mode's console (in JSON-lines mode) and the log file: counts the bytes the
 * functions wrote, each line as the function wrote it (without the {@code "source"} field the
 * console adds), which is what CloudWatch Logs would ingest.
 */
final class FunctionLogBytes extends OutputStream {

    private static final Pattern SOURCE = Pattern.compile("\"source\":\"([a-z-]+)\",?");
    private static final Set<String> FUNCTIONS = Set.of("send-api", "worker", "webhook", "callbacks");

    private final OutputStream out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final AtomicLong bytes = new AtomicLong();

    FunctionLogBytes(OutputStream out) {
        this.out = out;
    }

    long bytes() {
        return bytes.get();
    }

    @Override
    public synchronized void write(int b) throws java.io.IOException {
        out.write(b);
        if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            Matcher source = SOURCE.matcher(text);
            if (source.find() && FUNCTIONS.contains(source.group(1))) {
                bytes.addAndGet(text.getBytes(StandardCharsets.UTF_8).length - source.group().length() + 1);
            }
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() throws java.io.IOException {
        out.flush();
    }
}
