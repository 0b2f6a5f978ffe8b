package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.Console;
import ai.joinchat.push.local.FunctionProcess;
import ai.joinchat.push.local.HttpApiGateway;
import ai.joinchat.push.local.LocalMode;
import ai.joinchat.push.signature.SignatureVerifier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Secrets Manager calls per request while a stranger floods the send API with signed requests for
 * random unknown page ids, on a fresh send API container (a new JVM, nothing cached), with a few
 * configured pages that container has not looked up yet sending in between. The container's
 * Secrets Manager endpoint is a {@link CountingProxy}, so every GetSecretValue and ListSecrets it
 * makes, from its first request on, is counted. The configured pages should all be answered 202;
 * the unknown ids 401 (looked up, no such secret) or 503 with Retry-After (the lookup limit deferred
 * them).
 */
final class SecretsFlood {

    /** Requests for unknown page ids. */
    static final int UNKNOWN_REQUESTS = 5_000;
    /** Configured pages, each sending one request at an even spacing through the flood. */
    static final int CONFIGURED_PAGES = 6;
    private static final int CLIENTS = 4;

    private final LocalMode localMode;
    private final Report report;
    private final Console console;
    private final PrintStream out;

    SecretsFlood(LocalMode localMode, Report report, PrintStream out) {
        this.localMode = localMode;
        this.report = report;
        this.console = new Console(out, false);
        this.out = out;
    }

    /** What one request was and how it was answered. */
    private record Sent(boolean configured, int status, boolean retryAfter) {
    }

    void measure() throws Exception {
        FunctionProcess.Definition running = Bench.function(localMode, "send-api").definition();
        Map<String, String> configured = seedConfiguredPages(running.environment().get("PAGE_SECRET_PREFIX"));
        List<String> pages = new ArrayList<>(configured.keySet());
        try (CountingProxy secretsManager = CountingProxy.start("SecretsManager",
                localMode.backends().secretsManagerEndpoint())) {
            Map<String, String> environment = new LinkedHashMap<>(running.environment());
            environment.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", secretsManager.uri().toString());
            FunctionProcess.Definition fresh = new FunctionProcess.Definition(running.name() + "-flood",
                    running.functionName() + "-flood", running.handler(), running.codeJar(), running.memoryMb(),
                    running.timeout(), environment);
            Bench.progress("unknown-page flood: " + UNKNOWN_REQUESTS + " requests on a fresh send API container, "
                    + CONFIGURED_PAGES + " configured pages in between...");
            try (FunctionProcess process = localMode.startFunction(fresh, console);
                 HttpApiGateway gateway = HttpApiGateway.start(0,
                         List.of(new HttpApiGateway.Route("POST", "/api/send_message", process)), console)) {
                process.ready().get(120, TimeUnit.SECONDS);
                int total = UNKNOWN_REQUESTS + pages.size();
                // Request i is configured page k's when i is its slot, evenly spaced; all others are unknown ids.
                Map<Integer, String> slots = new LinkedHashMap<>();
                for (int k = 0; k < pages.size(); k++) {
                    slots.put((int) ((k + 1L) * total / (pages.size() + 1)), pages.get(k));
                }
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                Sent[] sent = new Sent[total];
                AtomicInteger next = new AtomicInteger();
                long started = System.nanoTime();
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                try {
                    List<Future<?>> workers = new ArrayList<>();
                    for (int c = 0; c < CLIENTS; c++) {
                        workers.add(clients.submit(() -> {
                            for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                                String page = slots.get(i);
                                sent[i] = page == null
                                        ? send(http, gateway.baseUri(), unknownPageId(), "not-a-configured-secret", false)
                                        : send(http, gateway.baseUri(), page, configured.get(page), true);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> client : workers) {
                        client.get();
                    }
                } finally {
                    clients.shutdownNow();
                }
                Duration took = Bench.elapsed(started);
                out.flush();
                report(secretsManager.counts(), sent, took);
            }
        }
    }

    private void report(Map<String, Long> calls, Sent[] sent, Duration took) {
        long gets = calls.getOrDefault("GetSecretValue", 0L);
        long lists = calls.getOrDefault("ListSecrets", 0L);
        long others = calls.entrySet().stream()
                .filter(e -> !e.getKey().equals("GetSecretValue") && !e.getKey().equals("ListSecrets"))
                .mapToLong(Map.Entry::getValue).sum();
        Map<Integer, Integer> unknownStatuses = new java.util.TreeMap<>();
        int configured = 0;
        int configuredAccepted = 0;
        int deferred = 0;
        int deferredWithRetryAfter = 0;
        for (Sent request : sent) {
            if (request.configured()) {
                configured++;
                configuredAccepted += request.status() == 202 ? 1 : 0;
            } else {
                unknownStatuses.merge(request.status(), 1, Integer::sum);
            }
            if (request.status() == 503) {
                deferred++;
                deferredWithRetryAfter += request.retryAfter() ? 1 : 0;
            }
        }
        int requests = sent.length;
        double perRequest = (gets + lists + others) / (double) requests;
        StringBuilder unknownAnswers = new StringBuilder();
        unknownStatuses.forEach((status, count) -> unknownAnswers.append(unknownAnswers.length() == 0 ? "" : ", ")
                .append(count).append(" answered ").append(status));
        String line = String.format(Locale.ROOT,
                "unknown-page flood: %d requests, %d GetSecretValue + %d ListSecrets%s = %.3f per request;"
                        + " configured pages during the flood: %d of %d answered 202",
                requests, gets, lists, others == 0 ? "" : " + " + others + " other", perRequest, configuredAccepted,
                configured);
        Bench.progress(line);
        report.add("unknown-page flood: Secrets Manager calls per request", String.format(Locale.ROOT, "%.3f", perRequest),
                line.substring("unknown-page flood: ".length()) + "; unknown ids: " + unknownAnswers + " ("
                        + deferredWithRetryAfter + " of the " + deferred + " 503s with Retry-After); fresh send API"
                        + " container, " + CLIENTS + " clients, " + String.format(Locale.ROOT, "%.1f s", took.toMillis() / 1000.0)
                        + " in all");
    }

    /** Secrets for {@link #CONFIGURED_PAGES} new pages; their api secrets by page id. */
    private Map<String, String> seedConfiguredPages(String prefix) {
        Map<String, String> pages = new LinkedHashMap<>();
        long base = 4_100_000_000_000L + System.currentTimeMillis() % 1_000_000 * 1_000;
        try (SecretsManagerClient secrets = localMode.backends().secretsManager()) {
            for (int k = 0; k < CONFIGURED_PAGES; k++) {
                String page = Long.toString(base + k);
                String apiSecret = "flood-page-secret-" + k;
                String value = Json.write(Json.object().put("api_secret", apiSecret)
                        .put("page_access_token", "flood-page-token-" + k));
                secrets.createSecret(r -> r.name(prefix + page).secretString(value));
                pages.put(page, apiSecret);
            }
        }
        return pages;
    }

    /** A page id no secret exists for: 16 random digits, outside the configured pages' range. */
    private static String unknownPageId() {
        return Long.toString(9_000_000_000_000_000L + ThreadLocalRandom.current().nextLong(1_000_000_000_000_000L));
    }

    private static Sent send(HttpClient http, URI api, String pageId, String apiSecret, boolean configured) {
        String body = new Payloads(pageId).textMessage(Payloads.newPsid());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/api/send_message"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("x-joinchat-signature", new SignatureVerifier().sign(bytes, apiSecret))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return new Sent(configured, response.statusCode(), response.headers().firstValue("Retry-After").isPresent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
