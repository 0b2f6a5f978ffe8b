package ai.joinchat.push.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The runtime client loop a Lambda execution environment runs, for Java stream handlers: create the
 * {@link RequestStreamHandler} named by {@code _HANDLER} ({@code package.Class::handleRequest}), then
 * forever take the next invocation from the Runtime API at {@code AWS_LAMBDA_RUNTIME_API}, call it
 * and post the response or the error.
 *
 * <p>It uses only the JDK and the classes of the function's own jar (aws-lambda-java-core comes
 * with that jar), so it runs on exactly the classpath Lambda would give the function. Like Lambda's
 * Java runtime it creates the handler before asking for the first invocation, so the time to the
 * first {@code next} is the cold start.
 */
public final class LambdaBootstrap {

    private static final String API = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/";

    private LambdaBootstrap() {
    }

    public static void main(String[] args) {
        String handlerName = System.getenv("_HANDLER");
        if (System.getenv("AWS_LAMBDA_RUNTIME_API") == null || handlerName == null) {
            System.err.println("LambdaBootstrap: AWS_LAMBDA_RUNTIME_API and _HANDLER must be set");
            System.exit(2);
        }
        RequestStreamHandler handler;
        try {
            String className = handlerName.split("::")[0];
            handler = (RequestStreamHandler) Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (Throwable e) {
            Throwable failure = unwrap(e);
            System.err.println("Init error: could not load handler " + handlerName + ": " + failure);
            failure.printStackTrace();
            post("init/error", errorDocument(failure), "Runtime.InitError");
            System.exit(1);
            return;
        }
        while (true) {
            HttpURLConnection next;
            byte[] event;
            try {
                next = open("invocation/next"); // no read timeout: it blocks until there is work
                if (next.getResponseCode() != 200) {
                    System.exit(0); // 410: this execution environment is finished
                }
                try (InputStream body = next.getInputStream()) {
                    event = body.readAllBytes();
                }
            } catch (IOException e) {
                System.exit(0); // the Runtime API is gone: local mode stopped, and the environment with it
                return;
            }
            handle(handler, new Invocation(next.getHeaderField("Lambda-Runtime-Aws-Request-Id"),
                    Long.parseLong(next.getHeaderField("Lambda-Runtime-Deadline-Ms")),
                    next.getHeaderField("Lambda-Runtime-Invoked-Function-Arn"),
                    next.getHeaderField("Lambda-Runtime-Trace-Id"), System.getenv("AWS_LAMBDA_FUNCTION_NAME"),
                    System.getenv("AWS_LAMBDA_FUNCTION_VERSION"), System.getenv("AWS_LAMBDA_LOG_GROUP_NAME"),
                    System.getenv("AWS_LAMBDA_LOG_STREAM_NAME"),
                    Integer.parseInt(System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))), event);
        }
    }

    private static void handle(RequestStreamHandler handler, Invocation invocation, byte[] event) {
        System.setProperty("com.amazonaws.xray.traceHeader", invocation.getXrayTraceId());
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        String path = "invocation/" + invocation.getAwsRequestId();
        try {
            handler.handleRequest(new ByteArrayInputStream(event), response, invocation);
            post(path + "/response", response.toByteArray(), null);
        } catch (Throwable e) {
            Throwable failure = unwrap(e);
            System.err.println("Invocation " + invocation.getAwsRequestId() + " failed: " + failure);
            failure.printStackTrace();
            post(path + "/error", errorDocument(failure), failure.getClass().getName());
            if (failure instanceof VirtualMachineError) {
                System.exit(1); // the JVM is in no state to take more work; Lambda would replace the environment too
            }
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable current = e;
        while ((current instanceof InvocationTargetException || current instanceof ExceptionInInitializerError)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private static HttpURLConnection open(String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(API + path).toURL().openConnection();
        connection.setConnectTimeout(5_000);
        connection.setUseCaches(false);
        return connection;
    }

    private static void post(String path, byte[] payload, String errorType) {
        try {
            HttpURLConnection connection = open(path);
            connection.setRequestMethod("POST");
            connection.setReadTimeout(30_000);
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(payload.length);
            connection.setRequestProperty("Content-Type", "application/json");
            if (errorType != null) {
                connection.setRequestProperty("Lambda-Runtime-Function-Error-Type", errorType);
            }
            try (OutputStream body = connection.getOutputStream()) {
                body.write(payload);
            }
            int status = connection.getResponseCode();
            try (InputStream answer = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                if (answer != null) {
                    answer.readAllBytes();
                }
            }
        } catch (IOException e) {
            System.err.println("Could not post " + path + ": " + e);
        }
    }

    /** The Lambda error document without a stackTrace: nothing reads it, and the trace went to stderr. */
    private static byte[] errorDocument(Throwable failure) {
        return ("{\"errorMessage\":" + quote(failure.getMessage() == null ? "" : failure.getMessage())
                + ",\"errorType\":" + quote(failure.getClass().getName()) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /**
     * One invocation taken from {@code invocation/next}, and the {@link Context} its handler receives;
     * the function's settings come from the variables Lambda sets ({@code AWS_LAMBDA_FUNCTION_NAME}, ...).
     */
    record Invocation(String getAwsRequestId, long deadlineMs, String getInvokedFunctionArn, String getXrayTraceId,
                      String getFunctionName, String getFunctionVersion, String getLogGroupName,
                      String getLogStreamName, int getMemoryLimitInMB) implements Context, LambdaLogger {

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, deadlineMs - System.currentTimeMillis());
        }

        @Override
        public LambdaLogger getLogger() {
            return this;
        }

        /** Lambda's function logger writes to the function's log; here that is stdout. */
        @Override
        public void log(String message) {
            System.out.print(message.endsWith("\n") ? message : message + "\n");
            System.out.flush();
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }
    }
}
