package ai.joinchat.push.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one run measures and how much. */
record BenchOptions(int warmup, int iterations, int lifecycleMessages, int webhookRepeats, int historySize,
                    Duration graphLatency, boolean coldStarts, boolean lifecycle, Path logFile, boolean coldOnly,
                    int coldRepeats, Map<String, String> coldVariants, boolean ric,
                    Path profileSend, String javaToolOptions, boolean jdkArchive, boolean lambdaCpu, int memoryMb,
                    boolean webhookOnly) {

    static final String USAGE = """
            Usage: bench [--runtime local|ric] [--quick] [--iterations N] [--warmup N] [--messages N] [--history N]
                         [--graph-latency-ms N] [--no-cold-starts] [--no-lifecycle] [--log FILE]
                         [--cold-only] [--cold-repeats N] [--cold-variant NAME=JAVA_TOOL_OPTIONS]...
                         [--profile-send FILE] [--java-tool-options OPTIONS] [--jdk-archive] [--webhook-only]
                         [--lambda-cpu] [--memory-size MB]
                   bench --jmh [JMH options, e.g. -f 1 -wi 2 -i 3 HotPathBenchmarks.sendSignature]
              Starts the local backends and the three functions exactly as local mode does and prints
              one table. --quick is a short profile for a first look; the defaults take a few minutes.
              --runtime local      local mode's own bootstrap and class data sharing (the default)
              --runtime ric        each function through AWS's runtime interface client, as Lambda's java21
                                   runtime starts it: the template's JAVA_TOOL_OPTIONS, -Xmx 85% of MemorySize,
                                   SerialGC, no class data sharing; the send API and the webhook of the latency
                                   scenarios with the AWS backends behind TCP proxies, the lifecycle's functions
                                   behind the counting proxies
              --iterations N       measured requests per latency figure (default 2000, quick 300)
              --warmup N           requests per route before measuring (default 1000, quick 200)
              --messages N         messages followed through their lifecycle for the request counts (default 20, quick 5)
              --history N          earlier messages of the user whose read receipt is timed (default 10000)
              --graph-latency-ms N the Graph API latency of the 10-recipient batch (default 300)
              --jdk-archive        under --runtime ric, the JDK's default class data sharing archive
                                   (-Xshare:auto) instead of none (-Xshare:off)
              --lambda-cpu         each function's (and baseline's) JVM on the CPU Lambda gives its memory size,
                                   MemorySize / 1769 MB of a core, through a cgroup CPU quota (needs root); under
                                   --runtime local, the lifecycle's function JVMs after their warm-up message
                                   (under --runtime ric, from their start)
              --memory-size MB     under --runtime ric, every function's and baseline's MemorySize instead of the
                                   template's (its -Xmx and its --lambda-cpu share); the bill's GB-s use it
              --java-tool-options OPTIONS  every function's JAVA_TOOL_OPTIONS instead of the template's
                                   (both runtimes; the baselines get them too)
              --profile-send FILE  a flight recording of the send API's JVM (every socket read and write, and
                                   a Java sample every 1 ms), written when the scenarios end
              --log FILE           where local mode's console goes (default bench/target/bench-console.log)
              --webhook-only       only the 1,000-event webhook POSTs and the naive peer's (no cold starts,
                                   no lifecycle)
              --cold-only          only the cold starts (and the warm latency of each new environment)
              --cold-repeats N     new execution environments per function and JVM setting; medians (default 3, quick 1)
              --cold-variant NAME=OPTIONS  also start each function with JAVA_TOOL_OPTIONS=OPTIONS
                                   (e.g. 'cds=-XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=/tmp/send.jsa');
                                   {function} in OPTIONS becomes the function's short name
            """;

    static BenchOptions parse(List<String> args) {
        boolean quick = args.contains("--quick");
        int warmup = quick ? 200 : 1000;
        int iterations = quick ? 300 : 2000;
        int messages = quick ? 5 : 20;
        int webhookRepeats = quick ? 2 : 5;
        int history = 10_000;
        Duration graphLatency = Duration.ofMillis(300);
        boolean coldStarts = true;
        boolean lifecycle = true;
        Path log = Path.of("bench/target/bench-console.log");
        boolean coldOnly = false;
        int coldRepeats = quick ? 1 : 3;
        Map<String, String> coldVariants = new LinkedHashMap<>();
        boolean ric = false;
        Path profileSend = null;
        String javaToolOptions = null;
        boolean jdkArchive = false;
        boolean lambdaCpu = false;
        int memoryMb = 0;
        boolean webhookOnly = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--quick" -> {
                    // applied above
                }
                case "--iterations" -> iterations = positive(args, ++i, arg);
                case "--warmup" -> warmup = positive(args, ++i, arg);
                case "--messages" -> messages = positive(args, ++i, arg);
                case "--history" -> history = positive(args, ++i, arg);
                case "--graph-latency-ms" -> graphLatency = Duration.ofMillis(positive(args, ++i, arg));
                case "--runtime" -> {
                    String runtime = value(args, ++i, arg);
                    if (!runtime.equals("local") && !runtime.equals("ric")) {
                        throw new IllegalArgumentException("--runtime is local or ric");
                    }
                    ric = runtime.equals("ric");
                }
                case "--profile-send" -> profileSend = Path.of(value(args, ++i, arg));
                case "--java-tool-options" -> javaToolOptions = value(args, ++i, arg);
                case "--jdk-archive" -> jdkArchive = true;
                case "--lambda-cpu" -> lambdaCpu = true;
                case "--memory-size" -> memoryMb = positive(args, ++i, arg);
                case "--webhook-only" -> webhookOnly = true;
                case "--no-cold-starts" -> coldStarts = false;
                case "--no-lifecycle" -> lifecycle = false;
                case "--log" -> log = Path.of(value(args, ++i, arg));
                case "--cold-only" -> coldOnly = true;
                case "--cold-repeats" -> coldRepeats = positive(args, ++i, arg);
                case "--cold-variant" -> {
                    String variant = value(args, ++i, arg);
                    int equals = variant.indexOf('=');
                    if (equals < 1) {
                        throw new IllegalArgumentException("--cold-variant needs NAME=JAVA_TOOL_OPTIONS");
                    }
                    coldVariants.put(variant.substring(0, equals), variant.substring(equals + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument: " + arg);
            }
        }
        return new BenchOptions(warmup, iterations, messages, webhookRepeats, history, graphLatency, coldStarts,
                lifecycle, log, coldOnly, coldRepeats, Collections.unmodifiableMap(coldVariants), ric, profileSend,
                javaToolOptions, jdkArchive, lambdaCpu, memoryMb, webhookOnly);
    }

    private static String value(List<String> args, int index, String option) {
        if (index >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(index);
    }

    private static int positive(List<String> args, int index, String option) {
        try {
            int value = Integer.parseInt(value(args, index, option));
            if (value < 1) {
                throw new IllegalArgumentException(option + " must be at least 1");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number");
        }
    }
}
