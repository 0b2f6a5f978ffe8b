package ai.joinchat.push.local;

import ai.joinchat.push.local.http.LocalHttp;
import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Lambda Runtime API (version 2018-06-01) of one function, on 127.0.0.1 at a free port: what
 * a runtime inside a Lambda execution environment talks to. {@link #invoke} queues an event; the
 * runtime takes it with {@code GET /2018-06-01/runtime/invocation/next} (which blocks until there
 * is one) and answers with {@code POST .../invocation/{id}/response} or {@code .../error}. A
 * runtime that cannot start reports {@code POST /2018-06-01/runtime/init/error}.
 *
 * <p>As in Lambda, an invocation that runs past its timeout fails with {@code Sandbox.Timedout}
 * and the {@link Listener} is told, so the owner can replace the execution environment. After
 * {@link #resetExecutionEnvironment} the previous runtime's requests are refused (410) and the
 * next runtime to ask for work counts as a fresh, ready environment.
 */
public final class LambdaRuntimeApi implements AutoCloseable {

    private static final String PREFIX = "/2018-06-01/runtime/";
    private static final Pattern FINISH = Pattern.compile("POST " + PREFIX + "invocation/([^/]+)/(response|error)");
    private static final long NEXT_POLL_MILLIS = 200;
    private static final byte[] ACCEPTED = "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8);

    /** What the owner of the execution environment wants to hear about. */
    public interface Listener {
        /** The runtime asked for its first invocation: the environment has finished initialising. */
        void runtimeReady();

        /** The runtime reported that it could not initialise. */
        void initFailed(String errorType, String errorMessage);

        /** An invocation ran past its timeout; Lambda would now discard the execution environment. */
        void invocationTimedOut(String requestId, Duration timeout);
    }

    private final String functionName;
    private final String functionArn;
    private final Listener listener;
    private final LinkedBlockingDeque<Invocation> waiting = new LinkedBlockingDeque<>();
    private final Map<String, Invocation> running = new ConcurrentHashMap<>();
    private final Map<String, Long> startedNanos = new ConcurrentHashMap<>();
    private final LongAdder billedMillis = new LongAdder();
    private final AtomicInteger environmentGeneration = new AtomicInteger();
    private final AtomicBoolean readyReported = new AtomicBoolean();
    private final LocalHttp http;
    private volatile boolean closed;

    private LambdaRuntimeApi(String functionName, String functionArn, Listener listener) {
        this.functionName = functionName;
        this.functionArn = functionArn;
        this.listener = listener;
        this.http = LocalHttp.serve(0, "runtime-api-" + functionName,
                "cannot open the Lambda Runtime API port for " + functionName, this::handle);
    }

    /** Starts the API for one function on 127.0.0.1 at a free port. */
    public static LambdaRuntimeApi start(String functionName, String functionArn, Listener listener) {
        return new LambdaRuntimeApi(functionName, functionArn, listener);
    }

    /** {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API} for the runtime. */
    public String address() {
        return "127.0.0.1:" + http.port();
    }

    /**
     * Queues one invocation. The result is the function's response payload, or fails with a
     * {@link LambdaInvocationException}. The timeout runs from the moment the runtime takes the
     * event, as Lambda's does; time spent waiting for a free execution environment is not counted.
     */
    public CompletableFuture<byte[]> invoke(byte[] event, Duration timeout) {
        Invocation invocation = new Invocation(UUID.randomUUID().toString(), event.clone(), timeout,
                new CompletableFuture<>());
        if (closed) {
            invocation.result.completeExceptionally(stopped());
        } else {
            waiting.add(invocation);
        }
        return invocation.result;
    }

    /** Invocations queued and not yet taken by a runtime. */
    public int waitingInvocations() {
        waiting.removeIf(invocation -> invocation.result.isDone());
        return waiting.size();
    }

    /**
     * The execution environment is gone (its process exited or was stopped): its running
     * invocations fail with {@code Runtime.ExitError}, its pending {@code next} requests are
     * refused, and queued invocations wait for the next runtime.
     */
    public void resetExecutionEnvironment(String reason) {
        environmentGeneration.incrementAndGet();
        readyReported.set(false);
        for (Invocation invocation : List.copyOf(running.values())) {
            if (running.remove(invocation.requestId, invocation)) {
                invocation.result.completeExceptionally(
                        new LambdaInvocationException(functionName, "Runtime.ExitError", reason));
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        http.close();
        List<Invocation> pending = new ArrayList<>(running.values());
        running.clear();
        waiting.drainTo(pending);
        pending.forEach(invocation -> invocation.result.completeExceptionally(stopped()));
    }

    private LambdaInvocationException stopped() {
        return new LambdaInvocationException(functionName, "LocalMode.Stopped", "local mode is shutting down");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String route = exchange.getRequestMethod().toUpperCase(Locale.ROOT) + " " + exchange.getRequestURI().getPath();
            Matcher finish = FINISH.matcher(route);
            if (route.equals("GET " + PREFIX + "invocation/next")) {
                nextInvocation(exchange);
            } else if (finish.matches()) {
                finish(exchange, finish.group(1), finish.group(2).equals("error"));
            } else if (route.equals("POST " + PREFIX + "init/error")) {
                initError(exchange);
            } else {
                send(exchange, 404, errorJson("NotFound", "no such Runtime API resource: " + route));
            }
        }
    }

    private void nextInvocation(HttpExchange exchange) throws IOException {
        int generation = environmentGeneration.get();
        if (readyReported.compareAndSet(false, true)) {
            listener.runtimeReady();
        }
        while (true) {
            if (closed || generation != environmentGeneration.get()) {
                send(exchange, 410, errorJson("EnvironmentStopped", "this execution environment was stopped"));
                return;
            }
            Invocation invocation;
            try {
                invocation = waiting.poll(NEXT_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (invocation == null || invocation.result.isDone()) {
                continue;
            }
            if (generation != environmentGeneration.get()) {
                waiting.addFirst(invocation);
                continue;
            }
            long deadline = System.currentTimeMillis() + invocation.timeout.toMillis();
            running.put(invocation.requestId, invocation);
            startedNanos.put(invocation.requestId, System.nanoTime());
            // Not cancelled when the invocation finishes: timedOut does nothing for one no longer running.
            CompletableFuture.runAsync(() -> timedOut(invocation),
                    CompletableFuture.delayedExecutor(invocation.timeout.toMillis(), TimeUnit.MILLISECONDS));
            exchange.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
            exchange.getResponseHeaders().set("Lambda-Runtime-Deadline-Ms", Long.toString(deadline));
            exchange.getResponseHeaders().set("Lambda-Runtime-Invoked-Function-Arn", functionArn);
            exchange.getResponseHeaders().set("Lambda-Runtime-Trace-Id", newTraceId());
            try {
                send(exchange, 200, invocation.event);
            } catch (IOException e) {
                // The runtime went away before it got the event: someone else will take it, under a new
                // request id, so that this one's timeout finds nothing to do.
                if (running.remove(invocation.requestId, invocation)) {
                    waiting.addFirst(new Invocation(UUID.randomUUID().toString(), invocation.event, invocation.timeout,
                            invocation.result));
                }
            }
            return;
        }
    }

    /** {@code .../response} or {@code .../error}: completes the running invocation with its payload or its error. */
    private void finish(HttpExchange exchange, String requestId, boolean error) throws IOException {
        byte[] payload = exchange.getRequestBody().readAllBytes();
        Invocation invocation = running.remove(requestId);
        if (invocation == null) {
            send(exchange, 400, errorJson("InvalidRequestID", "no running invocation has this request id"));
            return;
        }
        bill(requestId, Duration.ofNanos(System.nanoTime() - startedNanos.getOrDefault(requestId, System.nanoTime())));
        if (error) {
            invocation.result.completeExceptionally(reportedError(exchange, payload, "Function.Unhandled"));
        } else {
            invocation.result.complete(payload);
        }
        send(exchange, 202, ACCEPTED);
    }

    private void initError(HttpExchange exchange) throws IOException {
        LambdaInvocationException error = reportedError(exchange, exchange.getRequestBody().readAllBytes(),
                "Runtime.InitError");
        List<Invocation> failed = new ArrayList<>();
        waiting.drainTo(failed);
        failed.forEach(invocation -> invocation.result.completeExceptionally(error));
        listener.initFailed(error.errorType(), error.errorMessage());
        send(exchange, 202, ACCEPTED);
    }

    /**
     * The error a runtime posts, {@code {"errorMessage", "errorType", ...}}; without a type in it,
     * the {@code Lambda-Runtime-Function-Error-Type} header's or {@code defaultType}.
     */
    private LambdaInvocationException reportedError(HttpExchange exchange, byte[] payload, String defaultType) {
        JsonNode error = Json.parse(payload).orElse(null);
        String type = Stream.of(Json.text(error, "errorType"),
                        exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type"), defaultType)
                .filter(candidate -> candidate != null && !candidate.isBlank()).findFirst().orElseThrow();
        return new LambdaInvocationException(functionName, type,
                Objects.requireNonNullElse(Json.text(error, "errorMessage"), ""));
    }

    private void timedOut(Invocation invocation) {
        if (running.remove(invocation.requestId, invocation)) {
            bill(invocation.requestId, invocation.timeout);
            invocation.result.completeExceptionally(new LambdaInvocationException(functionName, "Sandbox.Timedout",
                    String.format(Locale.ROOT, "Task timed out after %.2f seconds",
                            invocation.timeout.toMillis() / 1000.0)));
            listener.invocationTimedOut(invocation.requestId, invocation.timeout);
        }
    }

    /**
     * Milliseconds billed so far, counted as Lambda bills an invocation: from handing the event to
     * the runtime to its response, error or timeout, rounded up to the millisecond.
     */
    public long billedMillis() {
        return billedMillis.sum();
    }

    private void bill(String requestId, Duration duration) {
        startedNanos.remove(requestId);
        billedMillis.add((duration.toNanos() + 999_999) / 1_000_000);
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        LocalHttp.respond(exchange, status, "application/json", body);
    }

    private static byte[] errorJson(String type, String message) {
        return Json.writeBytes(Json.object().put("errorMessage", message).put("errorType", type));
    }

    /** An X-Ray trace header as Lambda passes it: {@code Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0}. */
    private static String newTraceId() {
        HexFormat hex = HexFormat.of();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-" + hex.toHexDigits(random.nextLong())
                + hex.toHexDigits(random.nextInt()) + ";Parent=" + hex.toHexDigits(random.nextLong()) + ";Sampled=0";
    }

    private record Invocation(String requestId, byte[] event, Duration timeout, CompletableFuture<byte[]> result) {
    }
}
