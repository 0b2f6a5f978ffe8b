package ai.joinchat.push.local;

import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.signature.SignatureVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21's fair-throttling choice, shown in local mode: while strangers flood the send route with
 * unsigned, wrongly signed and unknown-page requests, every signed request of the configured page
 * is still answered 202. The flood is refused early (401 before any Secrets Manager call for the
 * unsigned, the negative cache for unknown ids), so it costs the function little. Prints the
 * figures it measured.
 */
class UnsignedFloodTest {

    private static final int FLOODERS = 4;
    private static final int SIGNED_REQUESTS = 40;

    private static LocalMode localMode;
    private static DemoCredentials credentials;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        Path root = LocalMode.findRepositoryRoot();
        boolean built = List.of("functions/send-api/target/send-api.jar", "functions/worker/target/worker.jar",
                "functions/webhook/target/webhook.jar").stream().allMatch(jar -> Files.isRegularFile(root.resolve(jar)));
        Assumptions.assumeTrue(built, "function jars not built; mvn -B verify builds them first");
        credentials = DemoCredentials.demo();
        localMode = LocalMode.start(new LocalMode.Options(root, 0, false, null, credentials, System.out,
                AwsBackends::awsEnvironment));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        if (localMode != null) {
            localMode.close();
        }
    }

    private static HttpResponse<String> post(String body, String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(localMode.apiUri() + "/api/send_message"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (signature != null) {
            request.header("x-joinchat-signature", signature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String body(String pageId, int n) {
        return "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"" + (7_000_000_000_000_000L + n)
                + "\"},\"message\":{\"template_type\":\"text\",\"text\":\"flood " + n + "\"}}";
    }

    @Test
    void aFloodOfUnsignedAndUnknownPageRequestsDoesNotFailSignedRequests() throws Exception {
        AtomicBoolean flooding = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> floodAnswers = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(FLOODERS);
        List<Future<?>> flooders = new ArrayList<>();
        for (int f = 0; f < FLOODERS; f++) {
            int flooder = f;
            flooders.add(pool.submit(() -> {
                int n = 0;
                while (flooding.get()) {
                    n++;
                    String signature = switch (n % 3) {
                        case 0 -> null;
                        case 1 -> "bm90LWEtc2lnbmF0dXJl";
                        default -> new SignatureVerifier().sign(body("9" + flooder + n, n)
                                .getBytes(StandardCharsets.UTF_8), "a-stranger's-secret");
                    };
                    String page = n % 3 == 2 ? "9" + flooder + n : credentials.pageId();
                    try {
                        int status = post(body(page, n), signature).statusCode();
                        floodAnswers.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    } catch (Exception e) {
                        floodAnswers.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                    }
                }
                return null;
            }));
        }
        List<Long> latenciesMillis = new ArrayList<>();
        long floodStart = System.nanoTime();
        try {
            Thread.sleep(500);
            for (int i = 0; i < SIGNED_REQUESTS; i++) {
                String body = body(credentials.pageId(), i);
                long start = System.nanoTime();
                HttpResponse<String> answer = post(body,
                        new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), credentials.apiSecret()));
                latenciesMillis.add((System.nanoTime() - start) / 1_000_000);
                assertEquals(202, answer.statusCode(), "signed request " + i + " during the flood: " + answer.body());
            }
        } finally {
            flooding.set(false);
            for (Future<?> flooder : flooders) {
                flooder.get();
            }
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - floodStart) / 1e9;
        int floodTotal = floodAnswers.values().stream().mapToInt(AtomicInteger::get).sum();
        latenciesMillis.sort(null);
        System.out.printf("flood: %d requests in %.1f s (%.0f/s), answers %s; signed: %d of %d answered 202, "
                        + "p50 %d ms, max %d ms%n", floodTotal, seconds, floodTotal / seconds, floodAnswers,
                latenciesMillis.size(), SIGNED_REQUESTS, latenciesMillis.get(latenciesMillis.size() / 2),
                latenciesMillis.get(latenciesMillis.size() - 1));
        assertTrue(floodTotal > SIGNED_REQUESTS, "the flood outnumbered the signed requests: " + floodAnswers);
        assertTrue(floodAnswers.keySet().stream().allMatch(status -> status == 401 || status == 503),
                "the flood was refused as unauthenticated (or deferred), never served or failed: " + floodAnswers);
    }
}
