package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.testfunction.FailingInitHandler;
import ai.joinchat.push.local.testfunction.TestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Runtime API emulator with {@link LambdaBootstrap} running a test handler in its own JVM,
 * exactly as local mode runs the real functions.
 */
class LambdaRuntimeApiTest {

    /** Generous: a JVM start on a busy 2-core machine. */
    private static final long STARTUP_SECONDS = 60;
    private static final String REGION = "us-east-1";

    @TempDir
    static Path workDirectory;
    private static Path functionJar;
    private static Path bootstrapJar;

    private final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
    private final Console console = new Console(new PrintStream(consoleBytes, true, StandardCharsets.UTF_8), false);
    private final List<AutoCloseable> started = new ArrayList<>();

    @BeforeAll
    static void buildJars() throws Exception {
        functionJar = TestFunctionJar.build(workDirectory);
        bootstrapJar = BootstrapJar.writeTo(workDirectory);
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable closeable : started) {
            closeable.close();
        }
    }

    private FunctionProcess startFunction(Class<?> handler, Duration timeout) throws Exception {
        FunctionProcess.Definition definition = new FunctionProcess.Definition("test-fn",
                "local-TestFunction", handler.getName() + "::handleRequest", functionJar, 256, timeout,
                Map.of("CUSTOM_SETTING", "from-the-template"));
        FunctionProcess function = FunctionProcess.start(definition, bootstrapJar, REGION, console, null);
        started.add(function);
        return function;
    }

    private static String text(CompletableFuture<byte[]> result) throws Exception {
        return new String(result.get(STARTUP_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }

    private static LambdaInvocationException invocationFailure(CompletableFuture<byte[]> result) {
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> result.get(STARTUP_SECONDS, TimeUnit.SECONDS));
        return assertInstanceOf(LambdaInvocationException.class, failure.getCause());
    }

    private String consoleText() {
        return consoleBytes.toString(StandardCharsets.UTF_8);
    }

    /** Function output reaches the console through a pipe, a moment after the invocation's result. */
    private void awaitConsole(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
        while (!consoleText().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("console never showed '" + text + "': " + consoleText());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void runsTheHandlerInItsOwnJvmWithLambdasContextAndEnvironment() throws Exception {
        FunctionProcess function = startFunction(TestStreamHandler.class, Duration.ofSeconds(10));
        Duration coldStart = function.ready().get(STARTUP_SECONDS, TimeUnit.SECONDS);
        assertTrue(coldStart.toMillis() > 0, "cold start measured");

        assertEquals("hello", text(function.invoke("echo:hello".getBytes(StandardCharsets.UTF_8))));

        JsonNode context = Json.parse(text(function.invoke("context".getBytes(StandardCharsets.UTF_8))));
        assertTrue(context.path("requestId").asText().matches("[0-9a-f-]{36}"), context.toString());
        assertEquals("local-TestFunction", context.path("functionName").asText());
        assertEquals("arn:aws:lambda:us-east-1:000000000000:function:local-TestFunction", context.path("arn").asText());
        assertEquals(256, context.path("memory").asInt());
        long remaining = context.path("remaining").asLong();
        assertTrue(remaining > 0 && remaining <= 10_000, "remaining time within the timeout: " + remaining);
        assertTrue(context.path("trace").asText().startsWith("Root=1-"), context.toString());
        assertEquals(TestStreamHandler.class.getName() + "::handleRequest", context.path("handlerEnv").asText());
        assertEquals("from-the-template", context.path("custom").asText());
        if (System.getenv("HOME") != null) {
            assertEquals("null", context.path("home").asText(), "the launcher's environment is not inherited");
        }
        awaitConsole("logging through the context logger");
        assertTrue(consoleText().contains("test-fn"), consoleText());
        assertTrue(consoleText().contains("cold start"), consoleText());
    }

    @Test
    void aHandlerExceptionIsAnInvocationErrorAndTheEnvironmentCarriesOn() throws Exception {
        FunctionProcess function = startFunction(TestStreamHandler.class, Duration.ofSeconds(10));

        LambdaInvocationException error = invocationFailure(function.invoke("fail:bad input".getBytes(StandardCharsets.UTF_8)));
        assertEquals("java.lang.IllegalStateException", error.errorType());
        assertEquals("bad input", error.errorMessage());
        assertFalse(error.isTimeout());

        assertEquals("still alive", text(function.invoke("echo:still alive".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void anInvocationPastItsTimeoutFailsAndTheEnvironmentIsReplaced() throws Exception {
        FunctionProcess function = startFunction(TestStreamHandler.class, Duration.ofSeconds(1));
        function.ready().get(STARTUP_SECONDS, TimeUnit.SECONDS);

        LambdaInvocationException error = invocationFailure(function.invoke("sleep:30000".getBytes(StandardCharsets.UTF_8)));
        assertTrue(error.isTimeout(), error.toString());
        assertEquals("Task timed out after 1.00 seconds", error.errorMessage());

        // A new execution environment (a second cold start) takes the next invocation.
        assertEquals("fresh", text(function.invoke("echo:fresh".getBytes(StandardCharsets.UTF_8))));
        awaitConsole("execution environment #2");
    }

    @Test
    void aCrashFailsTheRunningInvocationAndTheNextOneGetsANewEnvironment() throws Exception {
        FunctionProcess function = startFunction(TestStreamHandler.class, Duration.ofSeconds(10));
        function.ready().get(STARTUP_SECONDS, TimeUnit.SECONDS);

        LambdaInvocationException error = invocationFailure(function.invoke("exit:3".getBytes(StandardCharsets.UTF_8)));
        assertEquals("Runtime.ExitError", error.errorType());
        assertTrue(error.errorMessage().contains("exit status 3"), error.errorMessage());

        assertEquals("recovered", text(function.invoke("echo:recovered".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aJvmCommandStartsEveryExecutionEnvironmentOfTheFunction() throws Exception {
        java.util.concurrent.atomic.AtomicInteger launches = new java.util.concurrent.atomic.AtomicInteger();
        FunctionProcess.JvmCommand command = (definition, environment) -> {
            launches.incrementAndGet();
            environment.put("CUSTOM_SETTING", "from-the-command");
            return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    definition.codeJar() + java.io.File.pathSeparator + bootstrapJar, LambdaBootstrap.class.getName());
        };
        FunctionProcess function = FunctionProcess.start(new FunctionProcess.Definition("test-fn", "local-TestFunction",
                TestStreamHandler.class.getName() + "::handleRequest", functionJar, 256, Duration.ofSeconds(10),
                Map.of("CUSTOM_SETTING", "from-the-template")), command, REGION, console);
        started.add(function);

        JsonNode context = Json.parse(text(function.invoke("context".getBytes(StandardCharsets.UTF_8))));
        assertEquals("from-the-command", context.path("custom").asText(), "the environment Lambda sets, then the command's");
        assertEquals(TestStreamHandler.class.getName() + "::handleRequest", context.path("handlerEnv").asText());
        invocationFailure(function.invoke("exit:3".getBytes(StandardCharsets.UTF_8)));
        assertEquals("recovered", text(function.invoke("echo:recovered".getBytes(StandardCharsets.UTF_8))));
        assertEquals(2, launches.get(), "the replacement environment is started the same way");
    }

    @Test
    void anInitErrorIsReportedAndFailsTheWaitingInvocation() throws Exception {
        FunctionProcess function = startFunction(FailingInitHandler.class, Duration.ofSeconds(10));
        CompletableFuture<byte[]> queued = function.invoke("echo:never".getBytes(StandardCharsets.UTF_8));

        ExecutionException notReady = assertThrows(ExecutionException.class,
                () -> function.ready().get(STARTUP_SECONDS, TimeUnit.SECONDS));
        assertTrue(notReady.getCause().getMessage().contains("REQUIRED_SETTING"), notReady.getCause().getMessage());
        LambdaInvocationException error = invocationFailure(queued);
        assertEquals("java.lang.IllegalStateException", error.errorType());
        assertTrue(error.errorMessage().contains("REQUIRED_SETTING"), error.errorMessage());
        awaitConsole("init failed");
    }

    @Test
    void speaksTheRuntimeApiProtocol() throws Exception {
        LambdaRuntimeApi api = LambdaRuntimeApi.start("by-hand", "arn:aws:lambda:us-east-1:000000000000:function:by-hand",
                new LambdaRuntimeApi.Listener() {
                    @Override
                    public void runtimeReady() {
                    }

                    @Override
                    public void initFailed(String errorType, String errorMessage) {
                    }

                    @Override
                    public void invocationTimedOut(String requestId, Duration timeout) {
                    }
                });
        started.add(api);
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://" + api.address() + "/2018-06-01/runtime/");

        CompletableFuture<byte[]> result = api.invoke("{\"n\":1}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        assertEquals(0, api.billedMillis(), "nothing is billed before a runtime takes the invocation");
        long before = System.currentTimeMillis();
        HttpResponse<String> next = http.send(HttpRequest.newBuilder(base.resolve("invocation/next")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, next.statusCode());
        assertEquals("{\"n\":1}", next.body());
        String requestId = next.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
        long deadline = Long.parseLong(next.headers().firstValue("Lambda-Runtime-Deadline-Ms").orElseThrow());
        assertTrue(deadline >= before + 29_000 && deadline <= System.currentTimeMillis() + 30_000, "deadline " + deadline);
        assertEquals("arn:aws:lambda:us-east-1:000000000000:function:by-hand",
                next.headers().firstValue("Lambda-Runtime-Invoked-Function-Arn").orElseThrow());
        assertNotNull(next.headers().firstValue("Lambda-Runtime-Trace-Id").orElse(null));

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(base.resolve("invocation/no-such-id/response"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, unknown.statusCode());
        assertTrue(unknown.body().contains("InvalidRequestID"), unknown.body());

        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(base.resolve("invocation/" + requestId + "/response"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"ok\":true}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode());
        assertEquals("{\"ok\":true}", new String(result.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        long billed = api.billedMillis();
        assertTrue(billed >= 1 && billed <= System.currentTimeMillis() - before + 1,
                "billed from next to response, rounded up to the millisecond: " + billed);

        CompletableFuture<byte[]> failing = api.invoke("{}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        HttpResponse<String> second = http.send(HttpRequest.newBuilder(base.resolve("invocation/next")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String secondId = second.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
        http.send(HttpRequest.newBuilder(base.resolve("invocation/" + secondId + "/error"))
                .header("Lambda-Runtime-Function-Error-Type", "Custom.Error")
                .POST(HttpRequest.BodyPublishers.ofString("{\"errorMessage\":\"nope\",\"errorType\":\"Custom.Error\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        LambdaInvocationException error = invocationFailure(failing);
        assertEquals("Custom.Error", error.errorType());
        assertEquals("nope", error.errorMessage());

        HttpResponse<String> notFound = http.send(HttpRequest.newBuilder(base.resolve("nonsense")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, notFound.statusCode());
    }

    /** Ctrl-C stops a training JVM gently: it writes its class data sharing archive, which later starts map. */
    @Test
    void aStopByShutdownLeavesTheClassDataSharingArchive() throws Exception {
        Path archives = workDirectory.resolve("cds-on-shutdown");
        FunctionProcess.Definition definition = new FunctionProcess.Definition("test-fn",
                "local-TestFunction", TestStreamHandler.class.getName() + "::handleRequest", functionJar, 256,
                Duration.ofSeconds(10), Map.of());
        FunctionProcess function = FunctionProcess.start(definition, bootstrapJar, REGION, console,
                ClassDataSharing.in(archives));
        started.add(function);
        function.ready().get(STARTUP_SECONDS, TimeUnit.SECONDS);

        function.destroyOnShutdown.run();

        try (var files = java.nio.file.Files.list(archives)) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.endsWith(".jsa")), "no archive written: " + names);
        }
    }
}
