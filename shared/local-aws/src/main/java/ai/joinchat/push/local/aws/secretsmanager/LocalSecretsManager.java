package ai.joinchat.push.local.aws.secretsmanager;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.local.http.LocalHttp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A small Secrets Manager endpoint for local runs and tests, on the JDK's HTTP server at
 * 127.0.0.1. It speaks the AWS JSON 1.1 protocol the SDK uses
 * ({@code X-Amz-Target: secretsmanager.<Operation>}); request signatures are accepted unchecked.
 *
 * <p>It serves what the product, local mode and {@code bin/pages} call: CreateSecret, GetSecretValue,
 * PutSecretValue and DeleteSecret (at once, as with {@code ForceDeleteWithoutRecovery}), on SecretString values, each secret with one (AWSCURRENT) version, found by
 * name or ARN, in region {@value AwsBackends#DEFAULT_REGION}; and ListSecrets with the {@code name}
 * filter (a case-sensitive prefix match; other filter keys and negation are refused), in pages of
 * {@code MaxResults} (1-100, default 100) chained by an opaque {@code NextToken}. Errors are Secrets Manager's types,
 * so the SDK raises the same typed exceptions as against AWS; any other operation answers
 * {@code UnknownOperationException} naming it. Thread-safe.
 */
public final class LocalSecretsManager implements HttpHandler, AutoCloseable {

    public static final String TARGET_PREFIX = "secretsmanager.";
    private static final String CURRENT = "AWSCURRENT";

    /** One secret: its current (and only) version. */
    private record Secret(String name, String arn, String versionId, String secretString, Instant createdDate) {
    }

    /** An error answered as Secrets Manager answers it: {@code {"__type": type, "message": message}}. */
    private static final class Failure extends RuntimeException {
        final int status;
        final String type;

        Failure(int status, String type, String message) {
            super(message, null, false, false);
            this.status = status;
            this.type = type;
        }
    }

    /** By name; guarded by itself. */
    private final Map<String, Secret> secrets = new LinkedHashMap<>();
    private final LocalHttp http;

    private LocalSecretsManager(int port) {
        this.http = LocalHttp.serve(port, "local-secrets-manager", "The local Secrets Manager endpoint did not start",
                this);
    }

    /** On 127.0.0.1 at {@code port}; 0 picks a free one. */
    public static LocalSecretsManager start(int port) {
        return new LocalSecretsManager(port);
    }

    /** The endpoint to give the SDK, e.g. {@code http://127.0.0.1:41236}. */
    public URI endpoint() {
        return http.baseUri();
    }

    /** Creates the secret with this value, or gives it this value as a new current version. */
    public void putSecret(String name, String secretString) {
        synchronized (secrets) {
            Secret existing = secrets.get(name);
            store(name, existing == null ? newArn(name) : existing.arn(), UUID.randomUUID().toString(), secretString);
        }
    }

    @Override
    public void close() {
        http.close();
    }

    /** Answers one request, and closes the exchange. */
    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String target = Objects.requireNonNullElse(exchange.getRequestHeaders().getFirst("X-Amz-Target"), "");
            String operation = target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : target;
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            ObjectNode response;
            int status = 200;
            try {
                response = execute(operation, parse(body));
            } catch (RuntimeException e) {
                Failure failure = e instanceof Failure known ? known
                        : new Failure(500, "InternalServiceError", "An error occurred on the server side.");
                exchange.getResponseHeaders().set("x-amzn-ErrorType", failure.type);
                status = failure.status;
                response = Json.object().put("__type", failure.type).put("message", failure.getMessage());
            }
            LocalHttp.respond(exchange, status, "application/x-amz-json-1.1", Json.writeBytes(response));
        }
    }

    private ObjectNode execute(String operation, JsonNode request) {
        synchronized (secrets) {
            return switch (operation) {
                case "CreateSecret" -> createSecret(request);
                case "GetSecretValue" -> getSecretValue(request);
                case "PutSecretValue" -> putSecretValue(request);
                case "ListSecrets" -> listSecrets(request);
                case "DeleteSecret" -> deleteSecret(request);
                default -> throw new Failure(400, "UnknownOperationException", "The operation " + operation
                        + " is not supported by this Secrets Manager endpoint, which serves only CreateSecret,"
                        + " GetSecretValue, PutSecretValue, DeleteSecret and ListSecrets.");
            };
        }
    }

    private ObjectNode createSecret(JsonNode request) {
        String name = required(request, "Name");
        if (secrets.containsKey(name)) {
            throw new Failure(400, "ResourceExistsException", "The operation failed because the secret " + name + " already exists.");
        }
        Secret secret = store(name, newArn(name), versionId(request), secretString(request));
        return identity(secret).put("VersionId", secret.versionId());
    }

    private ObjectNode getSecretValue(JsonNode request) {
        Secret secret = find(required(request, "SecretId"));
        String versionId = request.path("VersionId").asText(secret.versionId());
        String stage = request.path("VersionStage").asText(CURRENT);
        if (!versionId.equals(secret.versionId()) || !stage.equals(CURRENT)) {
            throw new Failure(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for "
                    + (stage.equals(CURRENT) ? "VersionId: " + versionId : "staging label: " + stage));
        }
        ObjectNode response = identity(secret).put("VersionId", secret.versionId()).put("SecretString", secret.secretString());
        response.putArray("VersionStages").add(CURRENT);
        return response.put("CreatedDate", BigDecimal.valueOf(secret.createdDate().toEpochMilli(), 3));
    }

    private ObjectNode putSecretValue(JsonNode request) {
        Secret existing = find(required(request, "SecretId"));
        Secret secret = store(existing.name(), existing.arn(), versionId(request), secretString(request));
        ObjectNode response = identity(secret).put("VersionId", secret.versionId());
        response.putArray("VersionStages").add(CURRENT);
        return response;
    }

    /** Removes the secret at once, whatever recovery window is asked for (no secret here is ever pending deletion). */
    private ObjectNode deleteSecret(JsonNode request) {
        Secret secret = find(required(request, "SecretId"));
        secrets.remove(secret.name());
        return identity(secret).put("DeletionDate", BigDecimal.valueOf(Instant.now().toEpochMilli(), 3));
    }

    /** Names and ARNs (never values), sorted by name, filtered by name prefixes (any of them). */
    private ObjectNode listSecrets(JsonNode request) {
        List<String> prefixes = new ArrayList<>();
        for (JsonNode filter : request.path("Filters")) {
            String key = filter.path("Key").asText("");
            if (!key.equals("name")) {
                throw new Failure(400, "InvalidParameterException",
                        "This Secrets Manager endpoint filters ListSecrets by \"name\" only, not \"" + key + "\".");
            }
            for (JsonNode value : filter.path("Values")) {
                if (value.asText().startsWith("!")) {
                    throw new Failure(400, "InvalidParameterException",
                            "This Secrets Manager endpoint does not support negated filters.");
                }
                prefixes.add(value.asText());
            }
        }
        int maxResults = request.path("MaxResults").asInt(100);
        if (maxResults < 1 || maxResults > 100) {
            throw new Failure(400, "InvalidParameterException", "MaxResults must be between 1 and 100.");
        }
        int offset = 0;
        if (request.hasNonNull("NextToken")) {
            try {
                offset = Integer.parseInt(request.get("NextToken").asText());
            } catch (NumberFormatException e) {
                throw new Failure(400, "InvalidNextTokenException", "The NextToken value is invalid.");
            }
        }
        List<Secret> matching = secrets.values().stream()
                .filter(secret -> prefixes.isEmpty() || prefixes.stream().anyMatch(secret.name()::startsWith))
                .sorted(Comparator.comparing(Secret::name)).toList();
        ObjectNode response = Json.object();
        ArrayNode list = response.putArray("SecretList");
        int end = Math.min(matching.size(), offset + maxResults);
        for (Secret secret : matching.subList(Math.min(offset, end), end)) {
            list.add(identity(secret).put("CreatedDate", BigDecimal.valueOf(secret.createdDate().toEpochMilli(), 3)));
        }
        if (end < matching.size()) {
            response.put("NextToken", Integer.toString(end));
        }
        return response;
    }

    private Secret store(String name, String arn, String versionId, String secretString) {
        Secret secret = new Secret(name, arn, versionId, secretString, Instant.now());
        secrets.put(name, secret);
        return secret;
    }

    /** By name or full ARN. */
    private Secret find(String secretId) {
        return secrets.values().stream()
                .filter(secret -> secret.name().equals(secretId) || secret.arn().equals(secretId)).findFirst()
                .orElseThrow(() -> new Failure(400, "ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret."));
    }

    private ObjectNode identity(Secret secret) {
        return Json.object().put("ARN", secret.arn()).put("Name", secret.name());
    }

    private static String newArn(String name) {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        return "arn:aws:secretsmanager:" + AwsBackends.DEFAULT_REGION + ":000000000000:secret:" + name + "-" + suffix;
    }

    /** The version id: the request's ClientRequestToken (the SDK fills one in) or a new UUID. */
    private static String versionId(JsonNode request) {
        return request.hasNonNull("ClientRequestToken") ? request.get("ClientRequestToken").asText() : UUID.randomUUID().toString();
    }

    private static String secretString(JsonNode request) {
        if (request.has("SecretBinary") || !request.hasNonNull("SecretString")) {
            throw new Failure(400, "InvalidParameterException",
                    "This Secrets Manager endpoint keeps SecretString values only: give SecretString and no SecretBinary.");
        }
        return request.get("SecretString").asText();
    }

    private static String required(JsonNode request, String field) {
        String value = request.path(field).asText("");
        if (value.isEmpty()) {
            throw new Failure(400, "InvalidParameterException", "You must specify " + field + ".");
        }
        return value;
    }

    private static JsonNode parse(byte[] body) {
        return body.length == 0 ? Json.object() : Json.parse(body).filter(JsonNode::isObject).orElseThrow(() ->
                new Failure(400, "SerializationException", "The request body must be a JSON object."));
    }
}
