package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.http.SelfSignedTls;
import ai.joinchat.push.worker.graph.GraphSendClient;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a new Graph connection costs the worker: after {@code GraphSendClient.Connections.IDLE_LIMIT}
 * without a call, the worker's next send opens a connection and makes a TLS handshake. A child JVM
 * with the template's {@code JAVA_TOOL_OPTIONS} runs the product's client against an HTTPS server
 * (an EC P-256 certificate, as Facebook's) in this JVM: 300 sends on one connection to compile the
 * path, as a warm container has, then per round one send on a new client (a new connection) and one
 * on a kept one. Each memory size runs the child on Lambda's CPU share of it ({@link CpuShare}, needs
 * root); 0 is the machine's full CPU. Prints the median wall time of a send, and the child JVM's CPU
 * per send (all threads, the mean over the rounds).
 *
 * <pre>java -cp functions/worker/target/worker.jar:local/target/joinchat-local.jar:bench/target/classes \
 *     ai.joinchat.push.bench.GraphHandshakeProbe [rounds] [memory-MB ...]</pre>
 */
public final class GraphHandshakeProbe {

    private static final String CHILD = "--child";

    private GraphHandshakeProbe() {
    }

    public static void main(String[] args) throws Exception {
        // The JDK's HTTP server writes with Nagle's algorithm on: its handshake records would wait
        // for the client's delayed ACK (about 40 ms), which Facebook's servers do not make it do.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        if (args.length > 0 && args[0].equals(CHILD)) {
            child(args[1], Integer.parseInt(args[2]));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            sizes.add(Integer.parseInt(args[i]));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(0);
        }
        SelfSignedTls tls = SelfSignedTls.create(Files.createTempDirectory("graph-handshake"), "ip:127.0.0.1");
        HttpsServer server = serve(tls.serving());
        try {
            String url = "https://127.0.0.1:" + server.getAddress().getPort();
            System.out.printf("Java %s; %d rounds; ms per send: wall (median) / CPU (mean)%n%n", Runtime.version(), rounds);
            System.out.println("| CPU | new connection: wall / CPU | kept connection: wall / CPU |");
            System.out.println("|---|---|---|");
            for (int memoryMb : sizes) {
                System.out.printf("| %s | %s |%n", memoryMb == 0 ? "the machine's" : CpuShare.describe(memoryMb),
                        run(url, tls.keystore(), memoryMb, rounds));
            }
        } finally {
            server.stop(0);
        }
    }

    private static HttpsServer serve(SSLContext tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "graph-handshake-server");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = "{\"recipient_id\":\"2468013579\",\"message_id\":\"m_probe\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** The child's one output line: the two cells of the row. */
    private static String run(String url, Path keystore, int memoryMb, int rounds) throws Exception {
        int heapMb = Math.max(64, (memoryMb == 0 ? 1024 : memoryMb) * 85 / 100);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:off",
                "-Xmx" + heapMb + "m", "-Djavax.net.ssl.trustStore=" + keystore,
                "-Djavax.net.ssl.trustStorePassword=" + SelfSignedTls.PASSWORD, "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-cp", System.getProperty("java.class.path"), GraphHandshakeProbe.class.getName(), CHILD, url,
                Integer.toString(rounds));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (CpuShare share = memoryMb == 0 ? null : CpuShare.of("graph-handshake-" + memoryMb, memoryMb);
             BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                     StandardCharsets.UTF_8))) {
            if (share != null) {
                share.add(child.pid());
            }
            String last = "";
            for (String line; (line = lines.readLine()) != null; ) {
                last = line;
            }
            child.waitFor();
            return last;
        }
    }

    private static void child(String url, int rounds) {
        GraphSendClient kept = client(url);
        for (int i = 0; i < 300; i++) {
            send(kept);
        }
        long[] fresh = new long[rounds];
        long freshCpu = cpuNanos();
        for (int round = 0; round < rounds; round++) {
            fresh[round] = timed(client(url));
        }
        freshCpu = cpuNanos() - freshCpu;
        long[] reused = new long[rounds];
        long reusedCpu = cpuNanos();
        for (int round = 0; round < rounds; round++) {
            reused[round] = timed(kept);
        }
        reusedCpu = cpuNanos() - reusedCpu;
        System.out.printf(Locale.ROOT, "%.1f / %.1f | %.1f / %.1f%n", median(fresh), freshCpu / 1e6 / rounds,
                median(reused), reusedCpu / 1e6 / rounds);
    }

    /** The JVM's CPU time, all threads (in clock ticks: the per-round mean makes it fine enough). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long timed(GraphSendClient client) {
        long wall = System.nanoTime();
        send(client);
        return System.nanoTime() - wall;
    }

    private static GraphSendClient client(String url) {
        return GraphSendClient.fromSettings(url, "v25.0", Duration.ofSeconds(10), Clock.systemUTC());
    }

    private static void send(GraphSendClient client) {
        ObjectNode body = Json.object();
        body.putObject("recipient").put("id", "2468013579");
        body.put("messaging_type", "UPDATE");
        body.putObject("message").put("text", "probe");
        GraphSendClient.Outcome outcome = client.send("1234567890", "probe-token", Optional.empty(), body,
                Duration.ofSeconds(10));
        if (!(outcome instanceof GraphSendClient.Outcome.Sent)) {
            throw new IllegalStateException("not sent: " + outcome);
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
