package ai.joinchat.push.bench;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.local.DemoCredentials;
import ai.joinchat.push.local.FunctionProcess;
import ai.joinchat.push.local.LocalMode;
import ai.joinchat.push.local.aws.AwsBackends;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ./bin/bench}: starts the whole system exactly as local mode does (embedded backends
 * provisioned from template.yaml, each function in its own JVM behind the Lambda Runtime API
 * emulation, the HTTP API gateway, the worker's SQS event source) with a Graph API stub of set
 * latency, measures it from outside and prints one Markdown table. {@code --jmh} runs the
 * microbenchmarks instead. Nothing here asserts a time; it reports.
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = Arrays.asList(args);
        if (arguments.contains("-h") || arguments.contains("--help")) {
            System.out.print(BenchOptions.USAGE);
            return;
        }
        if (!arguments.isEmpty() && arguments.get(0).equals("--jmh")) {
            List<String> jmh = new ArrayList<>(arguments.subList(1, arguments.size()));
            if (!jmh.contains("-prof")) {
                jmh.addAll(List.of("-prof", "gc"));
            }
            org.openjdk.jmh.Main.main(jmh.toArray(String[]::new));
            return;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(arguments);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        System.exit(run(options) ? 0 : 1);
    }

    static boolean run(BenchOptions options) throws Exception {
        quietEmbeddedBackends();
        Path root = findRepositoryRoot();
        LocalMode.disableNagleInJdkHttpServer(); // before the Graph stub, this JVM's first HTTP server
        Files.createDirectories(options.logFile().toAbsolutePath().getParent());
        Report report = new Report();
        DemoCredentials credentials = DemoCredentials.demo();
        List<TcpProxy> tcpProxies = new ArrayList<>();
        Function<AwsBackends, Map<String, String>> aws = options.ric()
                ? backends -> behindTcpProxies(backends, tcpProxies) : AwsBackends::awsEnvironment;
        Function<AwsBackends, Map<String, String>> functionAws = options.javaToolOptions() == null ? aws : backends -> {
            Map<String, String> environment = new LinkedHashMap<>(aws.apply(backends));
            environment.put("JAVA_TOOL_OPTIONS", options.javaToolOptions());
            return environment;
        };
        try (PrintStream console = new PrintStream(new BufferedOutputStream(
                new FileOutputStream(options.logFile().toFile()), 1 << 16), false, StandardCharsets.UTF_8);
             GraphStub graph = GraphStub.start()) {
            progress("machine: " + machine() + "; load average " + loadAverage());
            progress("local mode's console goes to " + options.logFile());
            progress("starting local mode (backends, the function JVMs, gateway, event sources)...");
            // Under --runtime ric, local mode's own functions (the worker, which its event source drives) run on it too.
            Launcher ric = options.ric() ? Launcher.ric(root, console, options.jdkArchive(), options.lambdaCpu(),
                    options.memoryMb()) : null;
            try (LocalMode localMode = LocalMode.start(new LocalMode.Options(root, 0, false, graph.uri().toString(),
                    credentials, console, functionAws, null).withJvmCommand(ric == null ? null : ric.localModeJvms()))) {
                Launcher launcher = ric != null ? ric : Launcher.local(localMode, console);
                Baselines baselines = Baselines.write(root);
                report.add("runtime", options.ric() ? "ric" : "local", launcher.describe() + "; JAVA_TOOL_OPTIONS "
                        + (options.javaToolOptions() == null ? "the template's" : "'" + options.javaToolOptions() + "'")
                        + (options.ric() ? "; DynamoDB, SQS and Secrets Manager behind TCP proxies" : "")
                        + "; load average at start " + loadAverage());
                report.add("local mode start (its function JVMs side by side)", localMode.startupTime().toMillis() + " ms",
                        "cold starts " + coldStartsOf(localMode));
                if (!options.coldOnly()) {
                    List<String> profile = options.profileSend() == null ? List.of() : List.of(
                            "-XX:StartFlightRecording:filename=" + options.profileSend().toAbsolutePath()
                                    + ",settings=profile,jdk.ExecutionSample#period=1ms,jdk.SocketRead#threshold=0ms,jdk.SocketWrite#threshold=0ms");
                    try (UnderTest underTest = UnderTest.start(root, localMode, launcher, baselines, console, profile)) {
                        Scenarios scenarios = new Scenarios(options, localMode, graph,
                                new ApiClient(underTest.api(), credentials), new ApiClient(underTest.naiveApi(), credentials),
                                report, console);
                        if (!options.webhookOnly()) {
                            scenarios.latencyAndFloor(underTest);
                            scenarios.messageStatus();
                        }
                        scenarios.webhookThousandEvents();
                        if (!options.webhookOnly()) {
                            scenarios.readReceiptOverHistory();
                            scenarios.graphFanOut();
                            scenarios.burstAboveRate();
                        }
                    }
                }
                if ((options.coldStarts() && !options.webhookOnly()) || options.coldOnly()) {
                    ColdStarts coldStarts = new ColdStarts(options, localMode, report, console, launcher, baselines);
                    coldStarts.measureAgainstHelloWorld();
                    if (!options.ric()) {
                        coldStarts.measure();
                    }
                }
                if (!options.coldOnly() && !options.ric() && !options.webhookOnly()) {
                    new SecretsFlood(localMode, report, console).measure();
                }
            } finally {
                tcpProxies.forEach(TcpProxy::close);
                if (ric != null) {
                    ric.close();
                }
            }
            if (options.lifecycle() && !options.coldOnly() && !options.webhookOnly()) {
                progress("restarting local mode with the functions behind counting proxies...");
                Launcher lifecycleRic = options.ric() ? Launcher.ric(root, console, options.jdkArchive(),
                        options.lambdaCpu(), options.memoryMb()) : null;
                try {
                    measureLifecycle(root, options, credentials, graph, report, console,
                            lifecycleRic == null ? null : lifecycleRic.localModeJvms());
                } finally {
                    if (lifecycleRic != null) {
                        lifecycleRic.close();
                    }
                }
            }
        }
        System.out.println();
        System.out.println("## Benchmark, --runtime " + (options.ric() ? "ric" : "local") + " (" + machine()
                + "; load average at the end " + loadAverage() + ")");
        System.out.println();
        report.print(System.out);
        return true;
    }

    /** The AWS variables of the functions with each backend behind a TCP proxy of its own. */
    private static Map<String, String> behindTcpProxies(AwsBackends backends, List<TcpProxy> proxies) {
        Map<String, String> environment = new LinkedHashMap<>(backends.awsEnvironment());
        for (Map.Entry<String, java.net.URI> backend : Map.of("AWS_ENDPOINT_URL_DYNAMODB", backends.dynamoDbEndpoint(),
                "AWS_ENDPOINT_URL_SQS", backends.sqsEndpoint(),
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", backends.secretsManagerEndpoint()).entrySet()) {
            TcpProxy proxy = TcpProxy.start(backend.getValue());
            proxies.add(proxy);
            environment.put(backend.getKey(), proxy.uri().toString());
        }
        return environment;
    }

    static String loadAverage() {
        return String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Held so java.util.logging keeps the level set on it. */
    private static final Logger SQLITE4JAVA_LOGGER = Logger.getLogger("com.almworks.sqlite4java");

    /**
     * The embedded backends, in this JVM, say on stderr that SLF4J has no provider and that
     * sqlite4java cannot tell its jar's version: true, harmless, and noise around the table (local
     * mode's launcher silences the same two).
     */
    private static void quietEmbeddedBackends() {
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        SQLITE4JAVA_LOGGER.setLevel(Level.SEVERE);
    }

    private static void measureLifecycle(Path root, BenchOptions options, DemoCredentials credentials, GraphStub graph,
                                         Report report, PrintStream console, FunctionProcess.JvmCommand jvms) {
        List<CountingProxy> proxies = new ArrayList<>();
        Function<AwsBackends, Map<String, String>> throughProxies = backends -> {
            CountingProxy dynamo = CountingProxy.start("DynamoDB", backends.dynamoDbEndpoint());
            CountingProxy sqs = CountingProxy.start("SQS", backends.sqsEndpoint());
            proxies.add(dynamo);
            proxies.add(sqs);
            Map<String, String> environment = new LinkedHashMap<>(backends.awsEnvironment());
            environment.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.uri().toString());
            environment.put("AWS_ENDPOINT_URL_SQS", sqs.uri().toString());
            return environment;
        };
        FunctionLogBytes logBytes = new FunctionLogBytes(console);
        try (CallbackReceiver callbacks = CallbackReceiver.start();
             LocalMode localMode = LocalMode.start(new LocalMode.Options(root, 0, true, graph.uri().toString(),
                credentials, new PrintStream(logBytes, true, StandardCharsets.UTF_8), throughProxies, callbacks.url())
                     .withJvmCommand(jvms))) {
            Lifecycle lifecycle = new Lifecycle(options, localMode, graph, new ApiClient(localMode.apiUri(), credentials),
                    proxies, report, logBytes::bytes, callbacks);
            lifecycle.measure();
        } finally {
            proxies.forEach(CountingProxy::close);
        }
    }

    private static String coldStartsOf(LocalMode localMode) {
        StringBuilder text = new StringBuilder();
        localMode.coldStarts().forEach((name, duration) -> text.append(text.length() == 0 ? "" : ", ")
                .append(name).append(' ').append(duration.toMillis()).append(" ms"));
        return text.toString();
    }

    static String machine() {
        long memory = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memory = os.getTotalMemorySize() >> 30;
        }
        return String.format(Locale.ROOT, "%d cores, %d GiB, %s %s", Runtime.getRuntime().availableProcessors(), memory,
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"));
    }

    static void progress(String line) {
        System.err.println("[bench] " + line);
    }

    static AwsClientFactory clientsLikeTheFunctions(AwsBackends backends) {
        return new AwsClientFactory(backends.awsEnvironment());
    }

    static Duration elapsed(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    private static Path findRepositoryRoot() {
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            if (Files.isRegularFile(directory.resolve("template.yaml"))) {
                return directory;
            }
        }
        throw new UncheckedIOException(new IOException("run the benchmark from the repository (template.yaml not found)"));
    }

    /** The function processes of a running local mode, for the cold start and lifecycle scenarios. */
    static FunctionProcess function(LocalMode localMode, String name) {
        FunctionProcess process = localMode.functions().get(name);
        if (process == null) {
            throw new IllegalStateException("local mode runs no function named " + name);
        }
        return process;
    }
}
