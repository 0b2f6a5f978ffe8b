package ai.joinchat.push.local;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * One Lambda function in its own JVM, as Lambda runs it: {@code java -cp <function jar>:<bootstrap
 * jar> ai.joinchat.push.local.LambdaBootstrap} with the environment the template gives the function
 * plus the variables Lambda itself sets ({@code AWS_LAMBDA_RUNTIME_API}, {@code _HANDLER},
 * {@code AWS_LAMBDA_FUNCTION_NAME}, ...), talking to its own {@link LambdaRuntimeApi}. Its stdout
 * and stderr go to the {@link Console} under the function's name.
 *
 * <p>The cold start is the time from launching the JVM to the runtime's first request for work
 * (JVM start, class loading and the handler's constructor). As in Lambda, an execution environment
 * that crashes or runs past its timeout is discarded and a new one starts when there is work for it.
 * The JVM is destroyed when this object is closed or the launcher's JVM shuts down.
 */
public final class FunctionProcess implements InvocableFunction, AutoCloseable {

    /** A Lambda function as local mode runs it. */
    public record Definition(String name, String functionName, String handler, Path codeJar, int memoryMb,
                             Duration timeout, Map<String, String> environment) {

        public Definition {
            environment = Map.copyOf(environment);
        }
    }

    /**
     * Starts an execution environment's JVM some other way than local mode's bootstrap, as the
     * benchmark starts AWS's runtime interface client: the command line, given the environment
     * Lambda sets (which it may add to).
     */
    public interface JvmCommand {
        List<String> command(Definition definition, Map<String, String> environment);
    }

    private static final int EXIT_SIGINT = 130;
    private static final int EXIT_SIGTERM = 143;
    private static final int EXIT_SIGKILL = 137;

    private final Definition definition;
    private final Path bootstrapJar;
    private final Console console;
    private final LambdaRuntimeApi runtimeApi;
    private final ClassDataSharing classDataSharing;
    private final JvmCommand jvmCommand;
    private final CompletableFuture<Duration> firstStart = new CompletableFuture<>();
    /** What runs when local mode's JVM is shut down (Ctrl-C) without {@link #close()}. */
    final Thread destroyOnShutdown;
    private final Object lock = new Object();
    /** Invocations asked of it, by their records' eventSource ({@code aws:sqs}, {@code aws:dynamodb}; {@code ""} for others). */
    private final Map<String, LongAdder> invocations = new ConcurrentHashMap<>();
    private volatile Process process;
    private ClassDataSharing.Launch sharing;
    private long launchedAtNanos;
    private int launches;
    private volatile Duration lastColdStart;
    private volatile boolean closed;

    private FunctionProcess(Definition definition, Path bootstrapJar, String region, Console console,
                            ClassDataSharing classDataSharing, JvmCommand jvmCommand) {
        this.definition = definition;
        this.bootstrapJar = bootstrapJar;
        this.console = console;
        this.classDataSharing = classDataSharing;
        this.jvmCommand = jvmCommand;
        this.runtimeApi = LambdaRuntimeApi.start(definition.functionName(),
                "arn:aws:lambda:" + region + ":000000000000:function:" + definition.functionName(), new RuntimeEvents());
        // The same stop as close(): a training JVM killed outright would never write its archive,
        // so Ctrl-C would leave every later start without one.
        this.destroyOnShutdown = new Thread(this::close, "destroy-" + definition.name());
    }

    /**
     * Starts the function's Runtime API and its JVM. The JVM starts in the background;
     * {@link #ready()} completes when it asks for its first invocation. Each JVM uses (or, the
     * first time, writes) the function's class data sharing archive, unless the definition's
     * {@code JAVA_TOOL_OPTIONS} already say how to share classes.
     *
     * @param classDataSharing where the archives are kept, or null for none
     */
    public static FunctionProcess start(Definition definition, Path bootstrapJar, String region, Console console,
                                        ClassDataSharing classDataSharing) {
        boolean sharingChosenElsewhere = Stream.of("-Xshare", "SharedArchiveFile", "ArchiveClassesAtExit")
                .anyMatch(definition.environment().getOrDefault("JAVA_TOOL_OPTIONS", "")::contains);
        return started(new FunctionProcess(definition, bootstrapJar, region, console,
                sharingChosenElsewhere ? null : classDataSharing, null));
    }

    /** As {@link #start(Definition, Path, String, Console, ClassDataSharing)}, each JVM started by {@code jvmCommand}. */
    public static FunctionProcess start(Definition definition, JvmCommand jvmCommand, String region, Console console) {
        return started(new FunctionProcess(definition, null, region, console, null, jvmCommand));
    }

    private static FunctionProcess started(FunctionProcess function) {
        Runtime.getRuntime().addShutdownHook(function.destroyOnShutdown);
        synchronized (function.lock) {
            function.launch();
        }
        return function;
    }

    @Override
    public String name() {
        return definition.name();
    }

    public Definition definition() {
        return definition;
    }

    /** Completes with the first cold start, or fails when the first execution environment could not start. */
    public CompletableFuture<Duration> ready() {
        return firstStart;
    }

    /** The cold start of the current (or last) execution environment. */
    public Duration lastColdStart() {
        return lastColdStart;
    }

    /** How many invocations with records of this eventSource were asked of it (the benchmark's request counts). */
    public long invocations(String eventSource) {
        LongAdder count = invocations.get(eventSource);
        return count == null ? 0 : count.sum();
    }

    /** Milliseconds billed so far over all its execution environments, as Lambda bills them. */
    public long billedMillis() {
        return runtimeApi.billedMillis();
    }

    /** The process id of the current execution environment's JVM, if one runs (the benchmark's CPU share). */
    public java.util.OptionalLong pid() {
        Process current = process;
        return current == null || !current.isAlive() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(current.pid());
    }

    @Override
    public CompletableFuture<byte[]> invoke(byte[] event) {
        String head = new String(event, StandardCharsets.ISO_8859_1);
        int at = head.indexOf("\"eventSource\":\"");
        String source = at < 0 ? "" : head.substring(at + 15, Math.max(at + 15, head.indexOf('"', at + 15)));
        invocations.computeIfAbsent(source, s -> new LongAdder()).increment();
        synchronized (lock) {
            if (process == null && !closed) {
                launch();
            }
        }
        return runtimeApi.invoke(event, definition.timeout());
    }

    @Override
    public void close() {
        closed = true;
        runtimeApi.close();
        Process current;
        ClassDataSharing.Launch currentSharing;
        synchronized (lock) {
            current = process;
            process = null;
            currentSharing = sharing;
        }
        if (current != null) {
            current.destroy();
            // A JVM writing its class data sharing archive on the way out gets longer to finish it.
            long grace = currentSharing.trains() ? 30 : 5;
            int status = EXIT_SIGKILL;
            try {
                if (current.waitFor(grace, TimeUnit.SECONDS)) {
                    status = current.exitValue();
                } else {
                    current.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                current.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            currentSharing.exited(status);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(destroyOnShutdown);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or will run; it finds nothing left to do.
        }
    }

    private void setEnvironment(Map<String, String> environment) {
        setEnvironment(environment, definition, runtimeApi.address(), "local");
    }

    /**
     * Sets the environment of an execution environment as Lambda does: nothing inherited from the
     * launcher's shell, the function's variables, and Lambda's own ({@code AWS_LAMBDA_RUNTIME_API},
     * {@code _HANDLER}, ...); {@code launcher} names the log stream's prefix.
     */
    public static void setEnvironment(Map<String, String> environment, Definition definition, String runtimeApi,
                                      String launcher) {
        environment.clear();
        environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        environment.put("LANG", "en_US.UTF-8");
        environment.put("TZ", ":UTC");
        environment.putAll(definition.environment());
        environment.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        environment.put("_HANDLER", definition.handler());
        environment.put("AWS_LAMBDA_FUNCTION_NAME", definition.functionName());
        environment.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        environment.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(definition.memoryMb()));
        environment.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + definition.functionName());
        environment.put("AWS_LAMBDA_LOG_STREAM_NAME", launcher + "/[$LATEST]" + definition.name());
        environment.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        environment.put("LAMBDA_TASK_ROOT", definition.codeJar().toAbsolutePath().getParent().toString());
    }

    /** Starts a new execution environment; the caller holds {@link #lock}. */
    private void launch() {
        sharing = classDataSharing == null ? ClassDataSharing.Launch.NONE
                : classDataSharing.launch(definition.codeJar(), List.of(definition.codeJar(), bootstrapJar));
        ProcessBuilder builder = new ProcessBuilder();
        setEnvironment(builder.environment());
        if (jvmCommand != null) {
            builder.command(jvmCommand.command(definition, builder.environment()));
        } else {
            // What Lambda's Java runtime passes: a heap sized from the memory setting, the serial collector.
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:MaxHeapSize=" + Math.max(64, definition.memoryMb() * 85 / 100) + "m",
                    "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto", "-Dfile.encoding=UTF-8"));
            command.addAll(sharing.jvmOptions());
            command.addAll(List.of("-cp", definition.codeJar().toAbsolutePath() + File.pathSeparator
                    + bootstrapJar.toAbsolutePath(), LambdaBootstrap.class.getName()));
            builder.command(command);
        }
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        launches++;
        launchedAtNanos = System.nanoTime();
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            UncheckedIOException failure = new UncheckedIOException("cannot start the JVM of " + definition.name(), e);
            firstStart.completeExceptionally(failure);
            throw failure;
        }
        process = started;
        pipe(started.getInputStream(), "stdout");
        pipe(started.getErrorStream(), "stderr");
        started.onExit().thenAccept(this::exited);
    }

    private void pipe(InputStream stream, String name) {
        Thread pump = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                // Not the JVM's note that it picked up JAVA_TOOL_OPTIONS, nor SLF4J's notes that it has no
                // logging backend (the AWS SDK logs through SLF4J; Lambda functions usually ship without one).
                lines.lines().filter(line -> !line.startsWith("Picked up JAVA_TOOL_OPTIONS:") && !line.startsWith("SLF4J"))
                        .forEach(line -> console.functionOutput(definition.name(), name, line));
            } catch (IOException | UncheckedIOException ignored) {
                // The process is gone.
            }
        }, definition.name() + "-" + name);
        pump.setDaemon(true);
        pump.start();
    }

    private void exited(Process exitedProcess) {
        if (closed) {
            return;
        }
        synchronized (lock) {
            if (process != exitedProcess) {
                return; // an environment that was already replaced
            }
            process = null;
            int code = exitedProcess.exitValue();
            runtimeApi.resetExecutionEnvironment("Runtime exited with error: exit status " + code);
            if (code == EXIT_SIGINT || code == EXIT_SIGTERM) {
                sharing.exited(code); // a JVM stopped by SIGINT or SIGTERM still writes its archive
                // Stopped from outside: Ctrl-C in the terminal reaches every JVM of the foreground
                // process group, and the launcher is stopping too. A later invocation starts a new one.
                return;
            }
            console.print(definition.name(), "execution_environment_exited",
                    "execution environment exited with status " + code,
                    Console.fields("function", definition.name(), "exit_status", code));
            firstStart.completeExceptionally(new IllegalStateException(definition.name()
                    + " exited with status " + code + " before it asked for work; see its output above"));
            if (runtimeApi.waitingInvocations() > 0) {
                launch();
            }
        }
    }

    /** What the Runtime API reports about this function's execution environment. */
    private final class RuntimeEvents implements LambdaRuntimeApi.Listener {

        @Override
        public void runtimeReady() {
            Duration coldStart = Duration.ofNanos(System.nanoTime() - launchedAtNanos);
            lastColdStart = coldStart;
            console.print(definition.name(), "cold_start",
                    String.format(Locale.ROOT, "ready, cold start %d ms (JVM start + handler init)%s",
                            coldStart.toMillis(), launches > 1 ? ", execution environment #" + launches : ""),
                    Console.fields("function", definition.name(), "cold_start_ms", coldStart.toMillis(),
                            "execution_environment", launches));
            firstStart.complete(coldStart);
        }

        @Override
        public void initFailed(String errorType, String errorMessage) {
            console.print(definition.name(), "init_error", "init failed: " + errorType + ": " + errorMessage,
                    Console.fields("function", definition.name(), "error_type", errorType));
            firstStart.completeExceptionally(new IllegalStateException(
                    definition.name() + " failed to initialise: " + errorType + ": " + errorMessage));
        }

        @Override
        public void invocationTimedOut(String requestId, Duration timeout) {
            console.print(definition.name(), "timeout", String.format(Locale.ROOT,
                    "RequestId: %s Task timed out after %.2f seconds; replacing the execution environment",
                    requestId, timeout.toMillis() / 1000.0),
                    Console.fields("function", definition.name(), "request_id", requestId));
            synchronized (lock) {
                Process current = process;
                process = null;
                runtimeApi.resetExecutionEnvironment("the execution environment was replaced after a timeout");
                if (current != null) {
                    current.destroyForcibly();
                }
                if (!closed && runtimeApi.waitingInvocations() > 0) {
                    launch();
                }
            }
        }
    }
}
