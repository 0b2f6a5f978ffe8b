package ai.joinchat.push.bench;

import ai.joinchat.push.local.Console;
import ai.joinchat.push.local.FunctionProcess;
import ai.joinchat.push.local.HttpApiGateway;
import ai.joinchat.push.local.LocalMode;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Cold start per function, one new execution environment at a time (the machine is not shared with
 * the other two JVMs starting): from launching the JVM to its init done (the runtime's first
 * request for work) and to its first response, next to the hello-world handler started the same
 * way. Under {@code --runtime local} also without the class data sharing archive and with full
 * tiered compilation (no {@code -XX:TieredStopAtLevel=1}), each followed by the warm latency of
 * the same process, so the JIT choice can be made per function.
 */
final class ColdStarts {


    private final BenchOptions options;
    private final LocalMode localMode;
    private final Report report;
    private final Console console;
    private final Payloads payloads;
    private final Launcher launcher;
    private final Baselines baselines;

    ColdStarts(BenchOptions options, LocalMode localMode, Report report, PrintStream out, Launcher launcher,
               Baselines baselines) {
        this.options = options;
        this.localMode = localMode;
        this.report = report;
        this.console = new Console(out, false);
        this.payloads = new Payloads(localMode.credentials().pageId());
        this.launcher = launcher;
        this.baselines = baselines;
    }

    /**
     * Init and first response of each function and of the hello-world handler, started by this
     * run's runtime one at a time, medians of {@code --cold-repeats}; hello-world first, so that
     * the page cache holds the JDK for every start alike.
     */
    void measureAgainstHelloWorld() throws Exception {
        FunctionProcess.Definition sendApi = Bench.function(localMode, "send-api").definition();
        Measured hello = median("hello-world", baselines.definition("hello", Baselines.HELLO, sendApi, Map.of()));
        report.add("cold start hello-world: init / first response", hello.text(),
                "median of " + options.coldRepeats() + " new JVMs; " + launcher.describe() + cpuText(hello));
        for (String name : List.of("send-api", "webhook", "worker")) {
            Measured ours = median(name, variantOf(Bench.function(localMode, name).definition(), null));
            report.add("cold start " + name + ": init / first response", ours.text(), String.format(java.util.Locale.ROOT,
                    "first response %.1fx hello-world's (goal <= 2)", (double) ours.firstResponse().toNanos()
                            / hello.firstResponse().toNanos()) + cpuText(ours));
        }
    }

    private Measured median(String name, FunctionProcess.Definition definition) throws Exception {
        long[] init = new long[options.coldRepeats()];
        long[] first = new long[init.length];
        long[] cpu = new long[init.length];
        for (int i = 0; i < init.length; i++) {
            Bench.progress("cold start of " + name + " " + (i + 1) + "/" + init.length + "...");
            Measured measured = measureOne(name, definition, 0);
            init[i] = measured.init().toNanos();
            first[i] = measured.firstResponse().toNanos();
            cpu[i] = measured.cpuNanos();
        }
        java.util.Arrays.sort(init);
        java.util.Arrays.sort(first);
        java.util.Arrays.sort(cpu);
        return new Measured(Duration.ofNanos(init[init.length / 2]), Duration.ofNanos(first[first.length / 2]), null,
                cpu[cpu.length / 2]);
    }

    /**
     * The JVM options compared: the template's JAVA_TOOL_OPTIONS, none (C1 + C2, the JVM's default),
     * and any given with --cold-variant.
     */
    private Map<String, String> variants() {
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("template", null);
        variants.put("template, no AppCDS", templateOptions() + " -Xshare:auto");
        variants.put("full JIT", "");
        variants.putAll(options.coldVariants());
        return variants;
    }

    private String templateOptions() {
        return Bench.function(localMode, "send-api").definition().environment().getOrDefault("JAVA_TOOL_OPTIONS", "");
    }

    void measure() throws Exception {
        int warm = Math.min(options.iterations(), 300);
        for (String name : List.of("send-api", "webhook", "worker")) {
            FunctionProcess running = Bench.function(localMode, name);
            Bench.progress("training the class data sharing archive of " + name + " (when it has none)...");
            measureOne(name, variantOf(running.definition(), null), 0);
            for (Map.Entry<String, String> variant : variants().entrySet()) {
                String options = variant.getValue() == null ? null : variant.getValue().replace("{function}", name);
                FunctionProcess.Definition definition = variantOf(running.definition(), options);
                long[] init = new long[this.options.coldRepeats()];
                long[] first = new long[init.length];
                Samples warmSamples = null;
                for (int i = 0; i < init.length; i++) {
                    Bench.progress("cold start of " + name + " (" + variant.getKey() + ") " + (i + 1) + "/" + init.length + "...");
                    // the warm latency only after the last start: it does not change with the start
                    Measured measured = measureOne(name, definition, i == init.length - 1 ? warm : 0);
                    init[i] = measured.init().toNanos();
                    first[i] = measured.firstResponse().toNanos();
                    if (measured.warm() != null) {
                        warmSamples = measured.warm();
                    }
                }
                Samples initSamples = Samples.of(init, 0);
                Samples firstSamples = Samples.of(first, 0);
                report.add("cold start " + name + " (" + variant.getKey() + "): init / first response",
                        String.format(java.util.Locale.ROOT, "%.0f ms / %.0f ms", initSamples.p50(), firstSamples.p50()),
                        "median of " + init.length + " new JVMs, one at a time; then warm p50 / p99 "
                                + Scenarios.pair(warmSamples) + " over " + warm + " requests after " + warm + " warm-up"
                                + (name.equals("worker") ? " (one-record batch, unknown message)" : ""));
            }
        }
    }

    /** {@code cpuNanos}: the JVM's CPU time (all threads) at its first response, -1 when unknown. */
    private record Measured(Duration init, Duration firstResponse, Samples warm, long cpuNanos) {
        String text() {
            return init.toMillis() + " ms / " + firstResponse.toMillis() + " ms";
        }
    }

    private Measured measureOne(String name, FunctionProcess.Definition definition, int warm) throws Exception {
        long launched = System.nanoTime();
        try (Launcher.Launched process = launcher.start(definition)) {
            Duration init = process.ready().get(120, TimeUnit.SECONDS);
            Supplier<Runnable> request;
            HttpApiGateway gateway = null;
            try {
                if (name.equals("worker")) {
                    byte[] event = WorkerEvents.unknownMessage(localMode.credentials().pageId());
                    request = () -> () -> invoke(process, event);
                } else {
                    gateway = HttpApiGateway.start(0, List.of(
                            new HttpApiGateway.Route("POST", "/api/send_message", process),
                            new HttpApiGateway.Route("POST", "/api/message_status", process),
                            new HttpApiGateway.Route("POST", "/webhook", process)), console);
                    ApiClient api = new ApiClient(gateway.baseUri(), localMode.credentials());
                    request = name.equals("hello-world")
                            ? () -> () -> expect200(api.send(payloads.textMessage(Payloads.newPsid())))
                            : name.equals("send-api")
                            ? () -> () -> api.sendAccepted(payloads.textMessage(Payloads.newPsid()))
                            : () -> () -> api.webhookAccepted(payloads.webhook(payloads.referral(Payloads.newPsid(),
                            System.currentTimeMillis())));
                }
                request.get().run();
                Duration firstResponse = Bench.elapsed(launched);
                long cpu = process.cpuNanos();
                if (warm == 0) {
                    return new Measured(init, firstResponse, null, cpu);
                }
                for (int i = 0; i < warm; i++) {
                    request.get().run();
                }
                return new Measured(init, firstResponse, Scenarios.concurrent(1, warm, request.get()), cpu);
            } finally {
                if (gateway != null) {
                    gateway.close();
                }
            }
        }
    }

    /** The JVM's CPU to its first response: unlike the wall time, hardly changed by other load. */
    private static String cpuText(Measured measured) {
        return measured.cpuNanos() < 0 ? "" : "; CPU to first response " + measured.cpuNanos() / 1_000_000 + " ms";
    }

    private static void expect200(ApiClient.Answer answer) {
        if (answer.status() != 200) {
            throw new IllegalStateException("hello-world answered " + answer.status());
        }
    }

    private static void invoke(Launcher.Launched process, byte[] event) {
        try {
            process.invoke(event).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("worker invocation failed", e);
        }
    }

    /** The running function's definition under another name, with {@code javaToolOptions} when not null. */
    private static FunctionProcess.Definition variantOf(FunctionProcess.Definition definition, String javaToolOptions) {
        Map<String, String> environment = new LinkedHashMap<>(definition.environment());
        if (javaToolOptions != null) {
            if (javaToolOptions.isEmpty()) {
                environment.remove("JAVA_TOOL_OPTIONS");
            } else {
                environment.put("JAVA_TOOL_OPTIONS", javaToolOptions);
            }
        }
        return new FunctionProcess.Definition(definition.name() + "-cold",
                definition.functionName() + "-cold", definition.handler(), definition.codeJar(),
                definition.memoryMb(), definition.timeout(), environment);
    }
}
