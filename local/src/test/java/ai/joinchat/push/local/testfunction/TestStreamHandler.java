package ai.joinchat.push.local.testfunction;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A tiny function for the Runtime API tests; it runs in its own JVM with only its jar and the
 * bootstrap on the classpath, so it uses nothing but the JDK and aws-lambda-java-core. The event
 * is plain text: {@code echo:<text>}, {@code fail:<message>}, {@code sleep:<millis>},
 * {@code exit:<status>} or {@code context}.
 */
public final class TestStreamHandler implements RequestStreamHandler {

    private final long createdAt = System.currentTimeMillis();

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        int colon = event.indexOf(':');
        String command = colon < 0 ? event : event.substring(0, colon);
        String argument = colon < 0 ? "" : event.substring(colon + 1);
        switch (command) {
            case "echo" -> output.write(argument.getBytes(StandardCharsets.UTF_8));
            case "fail" -> throw new IllegalStateException(argument);
            case "sleep" -> {
                try {
                    Thread.sleep(Long.parseLong(argument));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                output.write("slept".getBytes(StandardCharsets.UTF_8));
            }
            case "exit" -> System.exit(Integer.parseInt(argument));
            case "context" -> {
                context.getLogger().log("logging through the context logger");
                String json = "{\"requestId\":\"" + context.getAwsRequestId() + "\""
                        + ",\"functionName\":\"" + context.getFunctionName() + "\""
                        + ",\"arn\":\"" + context.getInvokedFunctionArn() + "\""
                        + ",\"memory\":" + context.getMemoryLimitInMB()
                        + ",\"remaining\":" + context.getRemainingTimeInMillis()
                        + ",\"trace\":\"" + context.getXrayTraceId() + "\""
                        + ",\"handlerEnv\":\"" + System.getenv("_HANDLER") + "\""
                        + ",\"custom\":\"" + System.getenv("CUSTOM_SETTING") + "\""
                        + ",\"home\":\"" + System.getenv("HOME") + "\""
                        + ",\"createdAt\":" + createdAt + "}";
                output.write(json.getBytes(StandardCharsets.UTF_8));
            }
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
    }
}
