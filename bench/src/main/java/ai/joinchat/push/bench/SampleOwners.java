package ai.joinchat.push.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who spends a function's CPU while it serves requests, from a flight recording (such as
 * {@code ./bin/bench ... --profile-send FILE}): each Java sample taken in the runtime client's
 * request loop, or on a thread the handler hands work to, is charged to the library of its
 * innermost frame outside the JDK (a SHA-256 round called by SigV4 counts as the SDK's). The init
 * phase, whose SnapStart priming runs the handler on the same threads, ends where the loop's first
 * sample is: everything before it is left out.
 *
 * <pre>java -cp bench/target/bench.jar ai.joinchat.push.bench.SampleOwners FILE [request-thread-prefix...]</pre>
 */
public final class SampleOwners {

    private static final String REQUEST_LOOP = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda.startRuntimeLoop";
    private static final List<String> JDK = List.of("java.", "javax.", "sun.", "jdk.", "com.sun.");
    private static final Map<String, String> OWNERS = Map.of(
            "software.amazon.awssdk.http.apache5.", "HTTP client (apache5-client, Apache HttpClient 5)",
            "org.apache.hc.", "HTTP client (apache5-client, Apache HttpClient 5)",
            "software.amazon.awssdk.", "AWS SDK (marshalling, SigV4, pipeline)",
            "com.amazonaws.services.lambda.", "runtime interface client",
            "com.fasterxml.jackson.", "Jackson",
            "ai.joinchat.", "ours");

    private SampleOwners() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: SampleOwners FILE [request-thread-prefix...] (default prefix: send-enqueue)");
            System.exit(2);
        }
        List<String> helpers = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("send-enqueue");
        List<RecordedEvent> samples = RecordingFile.readAllEvents(Path.of(args[0])).stream()
                .filter(event -> event.getEventType().getName().equals("jdk.ExecutionSample")
                        && event.getStackTrace() != null)
                .toList();
        Instant initDone = samples.stream().filter(SampleOwners::inLoop).map(RecordedEvent::getStartTime)
                .min(Instant::compareTo).orElse(Instant.MAX);
        Map<String, Integer> owners = new TreeMap<>();
        int total = 0;
        for (RecordedEvent event : samples) {
            String thread = event.getThread("sampledThread").getJavaName();
            boolean inRequest = inLoop(event) || helpers.stream().anyMatch(thread::startsWith);
            if (inRequest && !event.getStartTime().isBefore(initDone)) {
                owners.merge(owner(event.getStackTrace().getFrames()), 1, Integer::sum);
                total++;
            }
        }
        System.out.printf(Locale.ROOT, "%d samples in requests (threads: the runtime loop, %s)%n", total, helpers);
        int all = total;
        owners.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(entry -> System.out.printf(Locale.ROOT, "%6.1f%%  %5d  %s%n",
                        100.0 * entry.getValue() / Math.max(1, all), entry.getValue(), entry.getKey()));
    }

    private static boolean inLoop(RecordedEvent sample) {
        return sample.getStackTrace().getFrames().stream().anyMatch(frame -> name(frame).equals(REQUEST_LOOP));
    }

    /** The library of the innermost frame outside the JDK; the JDK when every frame is its own. */
    private static String owner(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String name = name(frame);
            if (JDK.stream().anyMatch(name::startsWith)) {
                continue;
            }
            return OWNERS.entrySet().stream().filter(entry -> name.startsWith(entry.getKey()))
                    .max(Map.Entry.comparingByKey((a, b) -> Integer.compare(a.length(), b.length())))
                    .map(Map.Entry::getValue).orElse("other: " + name);
        }
        return "JDK only (thread pools, sockets)";
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
