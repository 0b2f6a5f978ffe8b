package ai.joinchat.push.bench;

import ai.joinchat.push.local.FunctionProcess;
import ai.joinchat.push.local.InvocableFunction;
import ai.joinchat.push.local.LambdaRuntimeApi;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One function in its own JVM started the way Lambda's managed Java runtime starts it: AWS's
 * runtime interface client ({@code com.amazonaws.services.lambda.runtime.api.client.AWSLambda})
 * as the main class with the handler as its argument, the function's environment (so the
 * template's {@code JAVA_TOOL_OPTIONS}), {@code -Xmx} at 85% of the memory size, the serial
 * collector and the class data sharing setting the launcher gives, talking to local mode's {@link LambdaRuntimeApi}. One
 * execution environment; its stdout and stderr go to {@code out} and are counted in bytes.
 */
final class RicFunction implements InvocableFunction, AutoCloseable {

    static final String MAIN_CLASS = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";

    private final FunctionProcess.Definition definition;
    private final LambdaRuntimeApi runtimeApi;
    private final CompletableFuture<Duration> ready = new CompletableFuture<>();
    private final AtomicLong logBytes = new AtomicLong();
    private final long launchedNanos;
    private final Process process;
    private final java.util.Optional<CpuShare> cpuShare;

    private RicFunction(FunctionProcess.Definition definition, List<Path> ricClassPath, OutputStream out,
                        List<String> extraJvmOptions, boolean lambdaCpu) {
        this.definition = definition;
        this.cpuShare = lambdaCpu ? java.util.Optional.of(CpuShare.of(definition.name(), definition.memoryMb()))
                : java.util.Optional.empty();
        this.runtimeApi = LambdaRuntimeApi.start(definition.functionName(),
                "arn:aws:lambda:us-east-1:000000000000:function:" + definition.functionName(), new Events());
        ProcessBuilder builder = new ProcessBuilder().redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> environment = builder.environment();
        FunctionProcess.setEnvironment(environment, definition, runtimeApi.address(), "bench");
        builder.command(command(definition, environment, ricClassPath, extraJvmOptions, cpuShare));
        launchedNanos = System.nanoTime();
        try {
            process = builder.start();
        } catch (IOException e) {
            runtimeApi.close();
            cpuShare.ifPresent(CpuShare::close);
            throw new UncheckedIOException("cannot start the JVM of " + definition.name(), e);
        }
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), out);
        process.onExit().thenAccept(exited -> ready.completeExceptionally(new IllegalStateException(
                definition.name() + " exited with status " + exited.exitValue() + "; see the bench console log")));
    }

    /**
     * The JVM's command line as Lambda's managed runtime starts it, and its one variable besides
     * Lambda's own ({@code AWS_EXECUTION_ENV}); in {@code cpuShare} from its first instruction.
     */
    static List<String> command(FunctionProcess.Definition definition, Map<String, String> environment,
                                List<Path> ricClassPath, List<String> extraJvmOptions, java.util.Optional<CpuShare> cpuShare) {
        environment.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + Math.max(64, definition.memoryMb() * 85 / 100) + "m", "-XX:+UseSerialGC"));
        command.addAll(extraJvmOptions);
        StringBuilder classPath = new StringBuilder(definition.codeJar().toAbsolutePath().toString());
        ricClassPath.forEach(jar -> classPath.append(File.pathSeparator).append(jar.toAbsolutePath()));
        command.addAll(List.of("-cp", classPath.toString(), MAIN_CLASS, definition.handler()));
        // The shell moves itself into the group, then becomes the JVM.
        cpuShare.ifPresent(share -> command.addAll(0, List.of("/bin/sh", "-c",
                "echo $$ > '" + share.procsFile() + "' && exec \"$0\" \"$@\"")));
        return command;
    }

    /** @param lambdaCpu run the JVM on the CPU share Lambda gives its memory size ({@link CpuShare}) */
    static RicFunction start(FunctionProcess.Definition definition, List<Path> ricClassPath, OutputStream out,
                             List<String> extraJvmOptions, boolean lambdaCpu) {
        return new RicFunction(definition, ricClassPath, out, extraJvmOptions, lambdaCpu);
    }

    /** The runtime interface client and its dependencies, copied by the build to bench/target/ric. */
    static List<Path> classPath(Path repositoryRoot) {
        Path directory = repositoryRoot.resolve("bench/target/ric");
        try (Stream<Path> jars = Files.list(directory)) {
            List<Path> found = jars.filter(jar -> jar.toString().endsWith(".jar")).sorted().toList();
            if (found.stream().noneMatch(jar -> jar.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client"))) {
                throw new IllegalStateException("no runtime interface client in " + directory + " (mvn -B -q -pl bench -am package)");
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory + " (mvn -B -q -pl bench -am package)", e);
        }
    }

    /**
     * The client's native library, taken out of its jar once. The client would otherwise write it to
     * the fixed path /tmp/.libaws-lambda-jni.so at every start (Lambda gives each execution
     * environment its own /tmp): JVMs starting side by side here would overwrite each other's. Its
     * system property {@code ...NativeClient.JNI} names this copy instead.
     */
    static String nativeLibraryOption(List<Path> ricClassPath, Path directory) {
        String arch = System.getProperty("os.arch").contains("aarch64") ? "aarch_64" : "x86_64";
        String entry = "jni/libaws-lambda-jni.linux-" + arch + ".so";
        Path library = directory.resolve("libaws-lambda-jni.so");
        Path ric = ricClassPath.stream().filter(jar -> jar.getFileName().toString()
                .startsWith("aws-lambda-java-runtime-interface-client")).findFirst().orElseThrow();
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(ric.toFile())) {
            Files.createDirectories(directory);
            try (InputStream in = jar.getInputStream(jar.getEntry(entry))) {
                Files.copy(in, library, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("cannot take " + entry + " out of " + ric, e);
        }
        return "-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=" + library.toAbsolutePath();
    }

    @Override
    public String name() {
        return definition.name();
    }

    FunctionProcess.Definition definition() {
        return definition;
    }

    /** Completes with the init duration: from launching the JVM to the runtime's first request for work. */
    CompletableFuture<Duration> ready() {
        return ready;
    }

    /** Bytes the function has written to stdout and stderr so far. */
    long logBytes() {
        return logBytes.get();
    }

    /** CPU time the JVM has used so far (all its threads: the handler, the client, the JIT, GC), or -1. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    @Override
    public CompletableFuture<byte[]> invoke(byte[] event) {
        return runtimeApi.invoke(event, definition.timeout());
    }

    private void pump(InputStream from, OutputStream to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (from) {
                for (int read; (read = from.read(buffer)) >= 0; ) {
                    logBytes.addAndGet(read);
                    synchronized (to) {
                        to.write(buffer, 0, read);
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, definition.name() + "-output");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        runtimeApi.close();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        cpuShare.ifPresent(CpuShare::close);
    }

    private final class Events implements LambdaRuntimeApi.Listener {
        @Override
        public void runtimeReady() {
            ready.complete(Duration.ofNanos(System.nanoTime() - launchedNanos));
        }

        @Override
        public void initFailed(String errorType, String errorMessage) {
            ready.completeExceptionally(new IllegalStateException(definition.name() + " failed to initialise: "
                    + errorType + ": " + errorMessage));
        }

        @Override
        public void invocationTimedOut(String requestId, Duration timeout) {
            // reported to the caller by the invocation's own failure
        }
    }
}
