package ai.joinchat.push.bench;

import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.worker.graph.GraphSendClient.Outcome;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the worker's Graph client ({@link GraphSendClient}, {@code java.net.http}) makes of a kept-alive
 * connection that was dropped while it sat idle, for example while Lambda froze the container: a
 * proxy in front of the Graph stub forgets a connection idle for {@code forget-ms} and answers its
 * next bytes with a reset, as a NAT gateway does past its idle timeout. Each round sends once, sits
 * idle for {@code idle-ms} (in a child JVM, either sleeping or stopped with {@code SIGSTOP} as a
 * frozen container is), then sends again at once and counts the second send's outcome. Prints one
 * Markdown row per variant: the JDK's own keep-alive, then one shorter than {@code forget-ms}.
 *
 * <pre>java -cp functions/worker/target/worker.jar:bench/target/classes \
 *     ai.joinchat.push.bench.IdleGraphConnectionProbe [rounds] [idle-ms] [forget-ms]</pre>
 */
public final class IdleGraphConnectionProbe {

    private static final String CHILD = "--child";
    private static final String READY = "READY";

    private IdleGraphConnectionProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals(CHILD)) {
            child(URI.create(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        long idleMs = args.length > 1 ? Long.parseLong(args[1]) : 3000;
        long forgetMs = args.length > 2 ? Long.parseLong(args[2]) : 2000;
        String shorter = "-Djdk.httpclient.keepalive.timeout=" + Math.max(1, forgetMs / 2000);
        try (GraphStub graph = GraphStub.start();
             TcpProxy proxy = TcpProxy.forgetting(graph.uri(), Duration.ofMillis(forgetMs))) {
            System.out.printf("Java %s; a connection is forgotten after %d ms idle; each round idles %d ms%n%n",
                    Runtime.version(), forgetMs, idleMs);
            System.out.println("| idle as | JDK keep-alive | second send's outcomes |");
            System.out.println("|---|---|---|");
            for (boolean frozen : new boolean[] {false, true}) {
                for (String keepAlive : new String[] {null, shorter}) {
                    Map<String, Integer> outcomes = run(proxy.uri(), idleMs, rounds, frozen, keepAlive);
                    System.out.printf("| %s | %s | %s |%n", frozen ? "stopped (SIGSTOP)" : "sleeping",
                            keepAlive == null ? "the JDK's default" : keepAlive.substring(2), outcomes);
                }
            }
        }
    }

    /** Runs the rounds in a child JVM, stopping it for each idle when {@code frozen}; outcomes by name. */
    private static Map<String, Integer> run(URI graph, long idleMs, int rounds, boolean frozen, String keepAlive)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path")));
        if (keepAlive != null) {
            command.add(keepAlive);
        }
        command.addAll(List.of(IdleGraphConnectionProbe.class.getName(), CHILD, graph.toString(),
                Long.toString(frozen ? 0 : idleMs), Integer.toString(rounds)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, Integer> outcomes = new TreeMap<>();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.equals(READY) && frozen) {
                    signal("-STOP", child.pid());
                    Thread.sleep(idleMs);
                    signal("-CONT", child.pid());
                } else if (!line.equals(READY)) {
                    outcomes.merge(line, 1, Integer::sum);
                }
            }
        }
        child.waitFor();
        return outcomes;
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor();
    }

    /** Each round: a send, READY, {@code idleMs} asleep (0: the parent stops this JVM instead), a send. */
    private static void child(URI graph, long idleMs, int rounds) throws InterruptedException {
        GraphSendClient client = GraphSendClient.fromSettings(graph.toString(), "v25.0", Duration.ofSeconds(10),
                Clock.systemUTC());
        for (int round = 0; round < rounds; round++) {
            send(client, round);
            System.out.println(READY);
            System.out.flush();
            Thread.sleep(idleMs > 0 ? idleMs : 200); // stopped meanwhile: sends as soon as it runs again
            Outcome outcome = send(client, round);
            System.out.println(outcome.getClass().getSimpleName());
            System.out.flush();
        }
    }

    private static Outcome send(GraphSendClient client, int round) {
        ObjectNode body = ai.joinchat.push.json.Json.object();
        body.putObject("recipient").put("id", "2468013579");
        body.put("messaging_type", "UPDATE");
        body.putObject("message").put("text", "probe").put("metadata", "probe-" + round + "-" + System.nanoTime());
        return client.send("1234567890", "probe-token", Optional.empty(), body, Duration.ofSeconds(10));
    }
}
