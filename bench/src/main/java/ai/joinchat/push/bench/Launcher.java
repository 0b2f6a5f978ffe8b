package ai.joinchat.push.bench;

import ai.joinchat.push.local.FunctionProcess;
import ai.joinchat.push.local.InvocableFunction;
import ai.joinchat.push.local.LocalMode;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** How the benchmark starts one execution environment: {@code --runtime local} or {@code --runtime ric}. */
interface Launcher {

    /** A started execution environment. */
    interface Launched extends InvocableFunction, AutoCloseable {
        /** Init: from launching the JVM to the runtime's first request for work. */
        CompletableFuture<Duration> ready();

        /** Bytes of log the environment has written, or -1 where the runtime does not count them. */
        long logBytes();

        /** CPU time its JVM has used, or -1 where the runtime does not say. */
        default long cpuNanos() {
            return -1;
        }

        @Override
        void close();
    }

    Launched start(FunctionProcess.Definition definition);

    /** With more JVM options (e.g. a flight recording); local mode's bootstrap takes them from JAVA_TOOL_OPTIONS. */
    default Launched start(FunctionProcess.Definition definition, List<String> jvmOptions) {
        if (jvmOptions.isEmpty()) {
            return start(definition);
        }
        java.util.Map<String, String> environment = new java.util.LinkedHashMap<>(definition.environment());
        environment.merge("JAVA_TOOL_OPTIONS", String.join(" ", jvmOptions), (a, b) -> a + " " + b);
        return start(new FunctionProcess.Definition(definition.name(), definition.functionName(), definition.handler(),
                definition.codeJar(), definition.memoryMb(), definition.timeout(), environment));
    }

    /** The JVM settings besides the definition's environment, for the report. */
    String describe();

    /** How local mode starts its own functions' JVMs on this runtime; null for its bootstrap. */
    default FunctionProcess.JvmCommand localModeJvms() {
        return null;
    }

    /** Releases what {@link #localModeJvms()} holds (their CPU shares). */
    default void close() {
    }

    /** Local mode's own bootstrap ({@code LambdaBootstrap}), with its class data sharing archives. */
    static Launcher local(LocalMode localMode, PrintStream out) {
        ai.joinchat.push.local.Console console = new ai.joinchat.push.local.Console(out, false);
        return new Launcher() {
            @Override
            public Launched start(FunctionProcess.Definition definition) {
                FunctionProcess process = localMode.startFunction(definition, console);
                return new Launched() {
                    @Override
                    public CompletableFuture<Duration> ready() {
                        return process.ready();
                    }

                    @Override
                    public long logBytes() {
                        return -1;
                    }

                    @Override
                    public String name() {
                        return process.name();
                    }

                    @Override
                    public CompletableFuture<byte[]> invoke(byte[] event) {
                        return process.invoke(event);
                    }

                    @Override
                    public void close() {
                        process.close();
                    }
                };
            }

            @Override
            public String describe() {
                return "local mode's bootstrap, AppCDS archive, -Xmx 85% of MemorySize, SerialGC";
            }
        };
    }

    /**
     * AWS's runtime interface client, as Lambda's managed Java runtime starts a handler.
     *
     * @param jdkArchive the JDK's own default class data sharing archive ({@code -Xshare:auto}) instead of none
     * @param lambdaCpu  each JVM on the CPU share Lambda gives its memory size ({@link CpuShare})
     * @param memoryMb   every function's and baseline's memory size instead of its own, or 0
     */
    static Launcher ric(Path repositoryRoot, OutputStream out, boolean jdkArchive, boolean lambdaCpu, int memoryMb) {
        List<Path> classPath = RicFunction.classPath(repositoryRoot);
        String share = jdkArchive ? "-Xshare:auto" : "-Xshare:off";
        List<String> jvmOptions = List.of(share, RicFunction.nativeLibraryOption(classPath,
                repositoryRoot.resolve("bench/target/ric-jni")));
        List<CpuShare> localModeShares = new java.util.concurrent.CopyOnWriteArrayList<>();
        return new Launcher() {
            @Override
            public FunctionProcess.JvmCommand localModeJvms() {
                return (definition, environment) -> {
                    FunctionProcess.Definition sized = sized(definition, memoryMb);
                    java.util.Optional<CpuShare> cpuShare = lambdaCpu ? java.util.Optional.of(CpuShare.of(
                            "local-" + definition.name() + "-" + localModeShares.size(), sized.memoryMb()))
                            : java.util.Optional.empty();
                    cpuShare.ifPresent(localModeShares::add);
                    return RicFunction.command(sized, environment, classPath, jvmOptions, cpuShare);
                };
            }

            @Override
            public void close() {
                localModeShares.forEach(CpuShare::close);
            }

            @Override
            public Launched start(FunctionProcess.Definition definition) {
                return start(definition, List.of());
            }

            @Override
            public Launched start(FunctionProcess.Definition definition, List<String> extra) {
                List<String> options = new java.util.ArrayList<>(jvmOptions);
                options.addAll(extra);
                FunctionProcess.Definition sized = sized(definition, memoryMb);
                RicFunction function = RicFunction.start(sized, classPath, out, options, lambdaCpu);
                return new Launched() {
                    @Override
                    public CompletableFuture<Duration> ready() {
                        return function.ready();
                    }

                    @Override
                    public long logBytes() {
                        return function.logBytes();
                    }

                    @Override
                    public long cpuNanos() {
                        return function.cpuNanos();
                    }

                    @Override
                    public String name() {
                        return function.name();
                    }

                    @Override
                    public CompletableFuture<byte[]> invoke(byte[] event) {
                        return function.invoke(event);
                    }

                    @Override
                    public void close() {
                        function.close();
                    }
                };
            }

            @Override
            public String describe() {
                return "runtime interface client " + classPath.stream().map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("aws-lambda-java-runtime")).findFirst().orElse("?")
                        + ", -Xmx 85% of " + (memoryMb == 0 ? "MemorySize" : memoryMb + " MB") + ", SerialGC, " + share
                        + (lambdaCpu ? ", each JVM on Lambda's CPU share of its memory: " + (memoryMb == 0
                                ? "MemorySize / " + CpuShare.MB_PER_VCPU + " MB of a core" : CpuShare.describe(memoryMb)) : "");
            }
        };
    }

    /** The definition at {@code memoryMb} instead of its own; as it is for 0. */
    private static FunctionProcess.Definition sized(FunctionProcess.Definition definition, int memoryMb) {
        return memoryMb == 0 ? definition : new FunctionProcess.Definition(definition.name(), definition.functionName(),
                definition.handler(), definition.codeJar(), memoryMb, definition.timeout(), definition.environment());
    }
}
