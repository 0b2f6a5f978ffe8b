package ai.joinchat.push.worker.graph;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.OutboundMessage.ListTemplate;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.message.OutboundMessage.UnreadableMessage;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.signature.Sha256;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Calls the Messenger Send API: {@code POST {baseUrl}/{apiVersion}/{pageId}/messages}, the token
 * only in the {@code Authorization} header (never in an outcome or message). Every Graph or
 * transport failure is an {@link Outcome}. Thread-safe; one per container. Its body is built by
 * {@link #toSendApiBody}: the contract's message object is Messenger's template payload
 * ({@link MessageJson}); a {@code list} is sent as {@code generic}, since Messenger removed the
 * list template in 2019; {@code metadata} carries our message id.
 */
public record GraphSendClient(Connections connections, URI baseUrl, String apiVersion, Duration requestTimeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** No wait Facebook asks for is believed beyond this. */
    static final Duration LONGEST_WAIT = Duration.ofHours(24);

    private static final Pattern API_VERSION = Pattern.compile("v\\d+\\.\\d+");
    private static final Pattern PAGE_ID = Pattern.compile("\\d{1,32}");

    public sealed interface Outcome {

        /** Messenger accepted the message; {@code recipientId} (the PSID) may be null. */
        record Sent(String facebookMessageId, String recipientId) implements Outcome {
        }

        /** The call failed; {@code transientFailure} when retrying later may succeed. */
        record Failed(GraphError error, boolean transientFailure) implements Outcome {
        }

        /** Over a rate limit: nothing was sent; {@code comeBackAfter} is Facebook's wait, or zero. */
        record Throttled(GraphError error, Duration comeBackAfter) implements Outcome {
        }

        /** The request was written but no answer came back: Facebook may have it; the echo tells. */
        record Unknown(GraphError error) implements Outcome {
        }
    }

    /**
     * The HTTP client, replaced by a new one (no kept-alive connection) once no call has been made
     * for {@link #IDLE_LIMIT}. A connection can be dropped unseen while the container sits idle or
     * frozen between invocations (a NAT gateway resets one idle for 350 s; Facebook does not say how
     * long it keeps one), and a POST on a dropped connection fails after it was written: an unknown
     * outcome, sent again only after the queue's visibility timeout. The JDK's own keep-alive limit
     * did not prevent that reliably (docs/performance.md, "The Graph connection after an idle").
     */
    public static final class Connections {

        /** Long enough for a busy worker to keep its connection; a new one costs a TLS handshake. */
        static final Duration IDLE_LIMIT = Duration.ofSeconds(10);

        private final Supplier<HttpClient> newClient;
        private final Clock clock;
        private HttpClient client;
        private Instant lastUse;
        private int inFlight;

        /** Builds the first client now, in the function's init (or before its snapshot). */
        public Connections(Supplier<HttpClient> newClient, Clock clock) {
            this.newClient = newClient;
            this.clock = clock;
            this.client = newClient.get();
            this.lastUse = clock.instant();
        }

        synchronized HttpClient acquire() {
            Instant now = clock.instant();
            if (inFlight == 0 && !now.isBefore(lastUse.plus(IDLE_LIMIT))) {
                if (client instanceof AutoCloseable old) { // Java 21: its thread and sockets go now, not at a GC
                    DaemonThreads.factory("graph-client-close").newThread(() -> close(old)).start();
                }
                client = newClient.get();
            }
            inFlight++;
            lastUse = now;
            return client;
        }

        synchronized void release() {
            inFlight--;
            lastUse = clock.instant();
        }

        private static void close(AutoCloseable idle) {
            try {
                idle.close(); // waits for what is in flight on it: nothing, or a call past its timeout
            } catch (Exception e) {
                // It was going anyway.
            }
        }
    }

    /** Without the base URL's trailing slashes; a URL or version the Send API cannot have is refused. */
    public GraphSendClient {
        String scheme = baseUrl.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL");
        }
        if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException("baseUrl must not have a query or fragment");
        }
        baseUrl = URI.create(baseUrl.toString().replaceAll("/+$", ""));
        apiVersion = Objects.requireNonNull(apiVersion, "apiVersion").trim().replaceAll("^/+|/+$", "");
        if (!API_VERSION.matcher(apiVersion).matches()) {
            throw new IllegalArgumentException("apiVersion must look like v25.0");
        }
    }

    /** A client with its own {@link HttpClient}s; null or blank arguments take the defaults. */
    public static GraphSendClient fromSettings(String baseUrl, String version, Duration timeout, Clock clock) {
        URI base = URI.create(baseUrl == null || baseUrl.isBlank() ? EnvVar.GRAPH_API_BASE_URL.defaultValue()
                : baseUrl.trim());
        Supplier<HttpClient> client = () -> HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version("https".equalsIgnoreCase(base.getScheme())
                        ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .build();
        return new GraphSendClient(new Connections(client, clock), base,
                version == null || version.isBlank() ? EnvVar.GRAPH_API_VERSION.defaultValue() : version.trim(),
                timeout == null ? DEFAULT_TIMEOUT : timeout);
    }

    /** Throws IllegalArgumentException for a message this version could not read from its queue body. */
    public static ObjectNode toSendApiMessage(OutboundMessage message, String metadata) {
        if (message instanceof UnreadableMessage unreadable) {
            throw new IllegalArgumentException(unreadable.reason());
        }
        ObjectNode payload = MessageJson.write(message);
        JsonNode quickReplies = payload.remove("quick_replies");
        ObjectNode out = Json.object();
        if (message instanceof TextMessage text) {
            out.put("text", text.text());
        } else {
            if (message instanceof ListTemplate) {
                payload.put("template_type", "generic");
            }
            out.putObject("attachment").put("type", "template").set("payload", payload);
        }
        if (quickReplies != null) {
            out.set("quick_replies", quickReplies);
        }
        if (metadata != null) {
            out.put("metadata", metadata);
        }
        return out;
    }

    /** Builds {@code {"recipient", "messaging_type", "tag"?, "message"}}; IllegalArgumentException if unsendable. */
    public static ObjectNode toSendApiBody(ObjectNode recipient, QueuedMessage message) {
        if (message.messagingType() == null || message.messagingType().isBlank()) {
            throw new IllegalArgumentException("messaging_type is missing");
        }
        ObjectNode body = Json.object();
        body.set("recipient", recipient);
        body.put("messaging_type", message.messagingType());
        if (message.tag() != null && !message.tag().isBlank()) {
            body.put("tag", message.tag());
        }
        body.set("message", toSendApiMessage(message.message(), message.messageId()));
        return body;
    }

    /** Waits at most {@code timeout} (capped by the client's own) for the answer; the app secret adds its proof. */
    public Outcome send(String pageId, String pageAccessToken, Optional<String> appSecret, ObjectNode sendApiBody,
                        Duration timeout) {
        if (!PAGE_ID.matcher(pageId).matches()) {
            throw new IllegalArgumentException("pageId must be digits");
        }
        if (pageAccessToken == null || pageAccessToken.isBlank()) {
            throw new IllegalArgumentException("pageAccessToken is required");
        }
        Optional<String> proof = appSecret.map(secret -> Sha256.appSecretProof(pageAccessToken, secret));

        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/" + apiVersion + "/" + pageId + "/messages"
                        + proof.map(p -> "?appsecret_proof=" + p).orElse("")))
                .timeout(timeout.compareTo(requestTimeout) < 0 && timeout.toMillis() > 0 ? timeout : requestTimeout)
                .header("Authorization", "Bearer " + pageAccessToken)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(sendApiBody), StandardCharsets.UTF_8))
                .build();

        HttpResponse<String> response;
        HttpClient client = connections.acquire();
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // Refused before the request left: retry. Anything later: Facebook may have it.
            return notSent(e) ? new Outcome.Failed(GraphError.transportFailure(e), true)
                    : new Outcome.Unknown(GraphError.transportFailure(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Failed(new GraphError(GraphError.TRANSPORT_FAILURE_STATUS, null, null, null,
                    "interrupted", null), true);
        } finally {
            connections.release();
        }
        return toOutcome(response.statusCode(), response.body(), response.headers(), pageAccessToken,
                appSecret.orElse(null), proof.orElse(null));
    }

    /** True when the failure proves the request never reached Facebook (no connection, no TLS). */
    static boolean notSent(IOException e) {
        return e instanceof java.net.http.HttpConnectTimeoutException
                || e instanceof java.net.ConnectException
                || e instanceof java.net.UnknownHostException
                || e instanceof javax.net.ssl.SSLHandshakeException
                || e.getCause() instanceof java.nio.channels.UnresolvedAddressException;
    }

    private Outcome toOutcome(int status, String body, HttpHeaders headers, String token, String appSecret,
                                       String proof) {
        if (status >= 200 && status <= 299) {
            JsonNode json = body == null ? null : Json.parse(body.getBytes(StandardCharsets.UTF_8)).orElse(null);
            String messageId = json == null ? null : GraphError.text(json.get("message_id"));
            if (messageId != null) {
                return new Outcome.Sent(messageId, GraphError.text(json.get("recipient_id")));
            }
            GraphError error = new GraphError(status, null, null, null,
                    "Graph API answered HTTP " + status + " without message_id", null);
            return new Outcome.Failed(error, true);
        }
        GraphError error = GraphError.fromResponse(status, body).redact(token, appSecret, proof);
        return switch (error.kind()) {
            case THROTTLED -> new Outcome.Throttled(error, comeBackAfter(headers));
            case TRANSIENT -> new Outcome.Failed(error, true);
            case PERMANENT -> new Outcome.Failed(error, false);
        };
    }

    /**
     * How long Facebook says to stay away: {@code Retry-After} (seconds) or the usage headers'
     * {@code estimated_time_to_regain_access} (minutes), the longest; unreadable ones say nothing.
     */
    static Duration comeBackAfter(HttpHeaders headers) {
        long seconds = 0;
        try {
            seconds = Long.parseLong(headers.firstValue("Retry-After").orElse("0").trim());
        } catch (NumberFormatException e) {
            // An HTTP date or garbage: Facebook sends seconds; ignore the rest.
        }
        for (String usage : new String[] {"X-Business-Use-Case-Usage", "X-App-Usage"}) {
            seconds = Math.max(seconds, 60 * regainMinutes(headers.firstValue(usage).orElse("")));
        }
        return Duration.ofSeconds(Math.max(0, Math.min(seconds, LONGEST_WAIT.toSeconds())));
    }

    /** The largest {@code estimated_time_to_regain_access} in the usage JSON (3 levels deep), 0 when none. */
    private static long regainMinutes(String usageJson) {
        if (usageJson.isBlank() || usageJson.length() > 10_000) {
            return 0;
        }
        return Json.parse(usageJson.getBytes(StandardCharsets.UTF_8)).map(node -> largest(node, 0)).orElse(0L);
    }

    private static long largest(JsonNode node, int depth) {
        long found = node.path("estimated_time_to_regain_access").canConvertToLong()
                ? node.path("estimated_time_to_regain_access").asLong() : 0;
        for (JsonNode child : depth < 3 ? node : Json.MAPPER.createArrayNode()) {
            found = Math.max(found, largest(child, depth + 1));
        }
        return found;
    }
}
