package ai.joinchat.push.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * The runtime client loop a Lambda execution environment runs, for Java stream handlers: load the
 * handler named by {@code _HANDLER} ({@code package.Class::method}), then forever take the next
 * invocation from the Runtime API at {@code AWS_LAMBDA_RUNTIME_API}, call
 * {@code handleRequest(InputStream, OutputStream, Context)} and post the response or the error.
 *
 * <p>It uses only the JDK and the classes of the function's own jar (the {@link Context}
 * interface comes from aws-lambda-java-core inside that jar), so it runs on exactly the classpath
 * Lambda would give the function. Like Lambda's Java runtime it creates the handler before asking
 * for the first invocation, so the time to the first {@code next} is the cold start.
 */
public final class LambdaBootstrap {

    private LambdaBootstrap() {
    }

    public static void main(String[] args) {
        RuntimeApiClient runtimeApi = new RuntimeApiClient(requiredEnvironment("AWS_LAMBDA_RUNTIME_API"));
        String handlerName = requiredEnvironment("_HANDLER");
        FunctionInfo function = FunctionInfo.fromEnvironment();

        StreamHandler handler;
        try {
            handler = StreamHandler.load(handlerName);
        } catch (Throwable e) {
            Throwable failure = unwrap(e);
            System.err.println("Init error: could not load handler " + handlerName + ": " + failure);
            failure.printStackTrace();
            try {
                runtimeApi.postInitError(failure);
            } catch (IOException ignored) {
                // The launcher is gone as well.
            }
            System.exit(1);
            return;
        }

        while (true) {
            Invocation invocation;
            try {
                invocation = runtimeApi.next();
            } catch (IOException e) {
                // The Runtime API is gone: local mode stopped. An execution environment ends with it.
                System.exit(0);
                return;
            }
            if (invocation == null) {
                System.exit(0);
                return;
            }
            handle(runtimeApi, function, handler, invocation);
        }
    }

    private static void handle(RuntimeApiClient runtimeApi, FunctionInfo function, StreamHandler handler,
                               Invocation invocation) {
        System.setProperty("com.amazonaws.xray.traceHeader", invocation.traceId());
        InvocationContext context = new InvocationContext(function, invocation);
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        Throwable failure = null;
        try {
            handler.handle(new ByteArrayInputStream(invocation.event()), response, context);
        } catch (Throwable e) {
            failure = unwrap(e);
        }
        try {
            if (failure == null) {
                runtimeApi.postResponse(invocation.requestId(), response.toByteArray());
            } else {
                System.err.println("Invocation " + invocation.requestId() + " failed: " + failure);
                failure.printStackTrace();
                runtimeApi.postError(invocation.requestId(), failure);
            }
        } catch (IOException e) {
            System.err.println("Could not report the result of invocation " + invocation.requestId() + ": " + e);
        }
        if (failure instanceof VirtualMachineError) {
            // The JVM is in no state to take more work; Lambda would replace the environment too.
            System.exit(1);
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

    private static String requiredEnvironment(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            System.err.println("LambdaBootstrap: environment variable " + name + " is not set");
            System.exit(2);
        }
        return value;
    }

    /** The Lambda error document: {@code {"errorMessage", "errorType", "stackTrace"}}. */
    static String errorDocument(Throwable failure) {
        StringBuilder json = new StringBuilder();
        json.append("{\"errorMessage\":").append(quote(failure.getMessage() == null ? "" : failure.getMessage()));
        json.append(",\"errorType\":").append(quote(failure.getClass().getName()));
        json.append(",\"stackTrace\":[");
        StackTraceElement[] frames = failure.getStackTrace();
        for (int i = 0; i < frames.length; i++) {
            json.append(i == 0 ? "" : ",").append(quote(frames[i].toString()));
        }
        return json.append("]}").toString();
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** One event taken from {@code invocation/next}. */
    record Invocation(String requestId, long deadlineMillis, String invokedFunctionArn, String traceId,
                      String tenantId, byte[] event) {
    }

    /** What the environment variables say about the function. */
    record FunctionInfo(String name, String version, int memoryMb, String logGroup, String logStream) {
        static FunctionInfo fromEnvironment() {
            String name = System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_NAME", "function");
            int memory;
            try {
                memory = Integer.parseInt(System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"));
            } catch (NumberFormatException e) {
                memory = 128;
            }
            return new FunctionInfo(name,
                    System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                    memory,
                    System.getenv().getOrDefault("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + name),
                    System.getenv().getOrDefault("AWS_LAMBDA_LOG_STREAM_NAME", "local"));
        }
    }

    /** The handler method, found by reflection: {@code (InputStream, OutputStream, Context)} or {@code (InputStream, OutputStream)}. */
    static final class StreamHandler {
        private final Object instance;
        private final Method method;
        private final boolean takesContext;

        private StreamHandler(Object instance, Method method, boolean takesContext) {
            this.instance = instance;
            this.method = method;
            this.takesContext = takesContext;
        }

        static StreamHandler load(String handler) throws ReflectiveOperationException {
            int separator = handler.indexOf("::");
            String className = separator < 0 ? handler : handler.substring(0, separator);
            String methodName = separator < 0 ? "handleRequest" : handler.substring(separator + 2);
            Class<?> type = Class.forName(className, true, LambdaBootstrap.class.getClassLoader());
            Method withContext = null;
            Method withoutContext = null;
            for (Method candidate : type.getMethods()) {
                Class<?>[] parameters = candidate.getParameterTypes();
                if (!candidate.getName().equals(methodName) || parameters.length < 2
                        || parameters[0] != InputStream.class || parameters[1] != OutputStream.class) {
                    continue;
                }
                if (parameters.length == 3 && parameters[2] == Context.class) {
                    withContext = candidate;
                } else if (parameters.length == 2) {
                    withoutContext = candidate;
                }
            }
            Method method = withContext != null ? withContext : withoutContext;
            if (method == null) {
                throw new NoSuchMethodException(className + "::" + methodName
                        + "(InputStream, OutputStream[, Context]) is not a public method");
            }
            Object instance = Modifier.isStatic(method.getModifiers())
                    ? null
                    : type.getDeclaredConstructor().newInstance();
            return new StreamHandler(instance, method, method == withContext);
        }

        void handle(InputStream input, OutputStream output, Context context) throws ReflectiveOperationException {
            if (takesContext) {
                method.invoke(instance, input, output, context);
            } else {
                method.invoke(instance, input, output);
            }
        }
    }

    /** The Runtime API seen from the runtime's side, over plain HttpURLConnection. */
    static final class RuntimeApiClient {
        private final String baseUrl;

        RuntimeApiClient(String address) {
            this.baseUrl = "http://" + address + "/2018-06-01/runtime/";
        }

        /** The next invocation, or null when the Runtime API says this environment is finished. */
        Invocation next() throws IOException {
            HttpURLConnection connection = open("invocation/next", "GET");
            connection.setReadTimeout(0);
            int status = connection.getResponseCode();
            if (status == 410) {
                return null;
            }
            if (status != 200) {
                throw new IOException("invocation/next answered " + status);
            }
            byte[] event;
            try (InputStream body = connection.getInputStream()) {
                event = body.readAllBytes();
            }
            long deadline;
            try {
                deadline = Long.parseLong(connection.getHeaderField("Lambda-Runtime-Deadline-Ms"));
            } catch (NumberFormatException e) {
                deadline = System.currentTimeMillis() + 3_000;
            }
            String traceId = connection.getHeaderField("Lambda-Runtime-Trace-Id");
            return new Invocation(connection.getHeaderField("Lambda-Runtime-Aws-Request-Id"), deadline,
                    connection.getHeaderField("Lambda-Runtime-Invoked-Function-Arn"),
                    traceId == null ? "" : traceId,
                    connection.getHeaderField("Lambda-Runtime-Aws-Tenant-Id"),
                    event);
        }

        void postResponse(String requestId, byte[] payload) throws IOException {
            post("invocation/" + requestId + "/response", payload, null);
        }

        void postError(String requestId, Throwable failure) throws IOException {
            post("invocation/" + requestId + "/error", errorDocument(failure).getBytes(StandardCharsets.UTF_8),
                    failure.getClass().getName());
        }

        void postInitError(Throwable failure) throws IOException {
            post("init/error", errorDocument(failure).getBytes(StandardCharsets.UTF_8), "Runtime.InitError");
        }

        private void post(String path, byte[] payload, String errorType) throws IOException {
            HttpURLConnection connection = open(path, "POST");
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
            if (status >= 400) {
                throw new IOException(path + " answered " + status);
            }
        }

        private HttpURLConnection open(String path, String method) throws IOException {
            HttpURLConnection connection = (HttpURLConnection) new URL(baseUrl + path).openConnection();
            connection.setRequestMethod(method);
            connection.setConnectTimeout(5_000);
            connection.setUseCaches(false);
            return connection;
        }
    }

    /** The {@link Context} a handler receives for one invocation. */
    static final class InvocationContext implements Context {
        private final FunctionInfo function;
        private final Invocation invocation;
        private final LambdaLogger logger = new StdoutLogger();

        InvocationContext(FunctionInfo function, Invocation invocation) {
            this.function = function;
            this.invocation = invocation;
        }

        @Override
        public String getAwsRequestId() {
            return invocation.requestId();
        }

        @Override
        public String getLogGroupName() {
            return function.logGroup();
        }

        @Override
        public String getLogStreamName() {
            return function.logStream();
        }

        @Override
        public String getFunctionName() {
            return function.name();
        }

        @Override
        public String getFunctionVersion() {
            return function.version();
        }

        @Override
        public String getInvokedFunctionArn() {
            return invocation.invokedFunctionArn();
        }

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
            return (int) Math.max(0, invocation.deadlineMillis() - System.currentTimeMillis());
        }

        @Override
        public int getMemoryLimitInMB() {
            return function.memoryMb();
        }

        @Override
        public LambdaLogger getLogger() {
            return logger;
        }

        @Override
        public String getXrayTraceId() {
            return invocation.traceId();
        }

        @Override
        public String getTenantId() {
            return invocation.tenantId();
        }
    }

    /** Lambda's function logger writes to the function's log; here that is stdout. */
    static final class StdoutLogger implements LambdaLogger {
        @Override
        public void log(String message) {
            if (message.endsWith("\n")) {
                System.out.print(message);
            } else {
                System.out.println(message);
            }
            System.out.flush();
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }
    }
}
