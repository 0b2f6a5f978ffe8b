package ai.joinchat.push.local.testfunction;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A function for stream event source tests (JDK and aws-lambda-java-core only): appends each event,
 * one line each, to {@code $EVENTS_DIRECTORY/events.log}, then dies (exit status 1) the first time
 * an event mentions {@code exit-once}, as an execution environment killed mid-batch would.
 */
public final class StreamEventHandler implements RequestStreamHandler {

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        Path directory = Path.of(System.getenv("EVENTS_DIRECTORY"));
        Files.writeString(directory.resolve("events.log"), event.replace('\n', ' ') + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Path exited = directory.resolve("exited");
        if (event.contains("exit-once") && !Files.exists(exited)) {
            Files.createFile(exited);
            System.exit(1);
        }
    }
}
