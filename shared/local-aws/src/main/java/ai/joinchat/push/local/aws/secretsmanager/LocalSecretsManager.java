package ai.joinchat.push.local.aws.secretsmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small Secrets Manager endpoint for local runs and tests, on the JDK's HTTP server at
 * 127.0.0.1 and a free port. It speaks the AWS JSON 1.1 protocol the SDK uses
 * ({@code X-Amz-Target: secretsmanager.<Operation>}); request signatures are accepted unchecked.
 *
 * <p>Operations: CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret,
 * UpdateSecretVersionStage, DescribeSecret, ListSecretVersionIds, DeleteSecret, RestoreSecret and
 * ListSecrets, with versions, staging labels (AWSCURRENT / AWSPREVIOUS), scheduled and forced
 * deletion, and Secrets Manager's error types, so the SDK raises the same typed exceptions as
 * against AWS. Anything else answers {@code UnknownOperationException}.
 *
 * <p>Test controls: {@link #failRequests(boolean)} makes every request fail with HTTP 500,
 * {@link #requestCount(String)} counts requests per operation, {@link #putSecret(String, String)}
 * creates or updates a secret directly. Thread-safe.
 */
public final class LocalSecretsManager implements AutoCloseable {

    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final String TARGET_PREFIX = "secretsmanager.";

    private final ObjectMapper mapper = new ObjectMapper();
    private final SecretStore store;
    private final Map<String, AtomicInteger> requestCounts = new ConcurrentHashMap<>();
    private volatile boolean failingRequests;
    private final HttpServer server;
    private final ExecutorService executor;
    private final URI endpoint;

    private LocalSecretsManager(String region, int port) throws IOException {
        store = new SecretStore(region);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "local-secrets-manager");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public static LocalSecretsManager start(String region) {
        return start(region, 0);
    }

    /** On 127.0.0.1 at {@code port}; 0 picks a free one. */
    public static LocalSecretsManager start(String region, int port) {
        try {
            return new LocalSecretsManager(region, port);
        } catch (IOException e) {
            throw new UncheckedIOException("The local Secrets Manager endpoint did not start", e);
        }
    }

    /** The endpoint to give the SDK, e.g. {@code http://127.0.0.1:41236}. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * While {@code true}, every request answers HTTP 500 {@code InternalServiceError}, as when
     * Secrets Manager is failing. Requests are still counted.
     */
    public void failRequests(boolean failing) {
        this.failingRequests = failing;
    }

    /** How many requests for {@code operation} (e.g. "GetSecretValue") arrived, failed ones included. */
    public int requestCount(String operation) {
        AtomicInteger count = requestCounts.get(operation);
        return count == null ? 0 : count.get();
    }

    public void resetRequestCounts() {
        requestCounts.clear();
    }

    /** Creates the secret with this value, or makes the value its new AWSCURRENT version. */
    public void putSecret(String name, String secretString) {
        store.putSecretString(name, secretString);
    }

    /** Forgets every secret. */
    public void deleteAllSecrets() {
        store.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String operation = operationOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            requestCounts.computeIfAbsent(operation, name -> new AtomicInteger()).incrementAndGet();
            if (failingRequests) {
                respond(exchange, 500, "InternalServiceError",
                        error("InternalServiceError", "An error occurred on the server side."));
                return;
            }
            try {
                ObjectNode response = store.execute(operation, parse(body));
                respond(exchange, 200, null, response);
            } catch (SecretsManagerError e) {
                respond(exchange, 400, e.type(), error(e.type(), e.getMessage()));
            } catch (RuntimeException e) {
                respond(exchange, 500, "InternalServiceError",
                        error("InternalServiceError", "An error occurred on the server side."));
            }
        }
    }

    private static String operationOf(String target) {
        if (target == null || target.isBlank()) {
            return "";
        }
        return target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : target;
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return mapper.createObjectNode();
        }
        try {
            JsonNode request = mapper.readTree(body);
            if (request == null || !request.isObject()) {
                throw SecretsManagerError.serialization("The request body must be a JSON object.");
            }
            return request;
        } catch (IOException e) {
            throw SecretsManagerError.serialization("The request body is not valid JSON.");
        }
    }

    private ObjectNode error(String type, String message) {
        return mapper.createObjectNode().put("__type", type).put("message", message);
    }

    private void respond(HttpExchange exchange, int status, String errorType, ObjectNode body) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        if (errorType != null) {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
