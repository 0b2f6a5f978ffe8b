package ai.joinchat.push.local.aws.secretsmanager;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.http.LocalHttp;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test controls for a {@link LocalSecretsManager}: an endpoint of their own in front of it that
 * counts the requests per operation and, while {@linkplain #failRequests(boolean) failing}, answers
 * every request HTTP 500 {@code InternalServiceError}, as when Secrets Manager is failing, and
 * refuses the operations it is told to {@linkplain #denyOperation deny} with HTTP 400
 * {@code AccessDeniedException}, as when the function's role lacks the permission. Other requests
 * are answered by the secrets manager itself. Thread-safe.
 */
public final class SecretsManagerControls implements AutoCloseable {

    private static final byte[] INTERNAL_ERROR = Json.writeBytes(Json.object()
            .put("__type", "InternalServiceError").put("message", "An error occurred on the server side."));

    private final LocalSecretsManager secretsManager;
    private final Map<String, AtomicInteger> requestCounts = new ConcurrentHashMap<>();
    private final Set<String> deniedOperations = ConcurrentHashMap.newKeySet();
    private volatile boolean failingRequests;
    private final LocalHttp http;

    public SecretsManagerControls(LocalSecretsManager secretsManager) {
        this.secretsManager = secretsManager;
        this.http = LocalHttp.serve(0, "secrets-manager-controls", "The Secrets Manager controls did not start",
                this::handle);
    }

    /** The endpoint to give the SDK instead of the secrets manager's own. */
    public URI endpoint() {
        return http.baseUri();
    }

    /** While {@code true}, every request answers HTTP 500 {@code InternalServiceError}. Requests are still counted. */
    public void failRequests(boolean failing) {
        this.failingRequests = failing;
    }

    /** While {@code denied}, requests for {@code operation} (e.g. "ListSecrets") answer 400 {@code AccessDeniedException}. */
    public void denyOperation(String operation, boolean denied) {
        if (denied) {
            deniedOperations.add(operation);
        } else {
            deniedOperations.remove(operation);
        }
    }

    /** How many requests for {@code operation} (e.g. "GetSecretValue") arrived, failed ones included. */
    public int requestCount(String operation) {
        AtomicInteger count = requestCounts.get(operation);
        return count == null ? 0 : count.get();
    }

    public void resetRequestCounts() {
        requestCounts.clear();
    }

    /** {@link LocalSecretsManager#putSecret}: a direct control, not a request. */
    public void putSecret(String name, String secretString) {
        secretsManager.putSecret(name, secretString);
    }

    @Override
    public void close() {
        http.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String target = Objects.requireNonNullElse(exchange.getRequestHeaders().getFirst("X-Amz-Target"), "");
        String prefix = LocalSecretsManager.TARGET_PREFIX;
        String operation = target.startsWith(prefix) ? target.substring(prefix.length()) : target;
        requestCounts.computeIfAbsent(operation, name -> new AtomicInteger()).incrementAndGet();
        boolean denied = deniedOperations.contains(operation);
        if (!failingRequests && !denied) {
            secretsManager.handle(exchange);
            return;
        }
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            String type = failingRequests ? "InternalServiceError" : "AccessDeniedException";
            exchange.getResponseHeaders().set("x-amzn-ErrorType", type);
            LocalHttp.respond(exchange, failingRequests ? 500 : 400, "application/x-amz-json-1.1",
                    failingRequests ? INTERNAL_ERROR : Json.writeBytes(Json.object().put("__type", type)
                            .put("message", "User is not authorized to perform: secretsmanager:" + operation)));
        }
    }
}
