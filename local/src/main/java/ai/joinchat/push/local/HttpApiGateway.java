package ai.joinchat.push.local;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An API Gateway HTTP API on 127.0.0.1: each request becomes a payload format 2.0 event, goes to
 * the function whose route matches (an exact path with the request's method or {@code ANY},
 * otherwise the {@code $default} route), and the function's response is written back. The body
 * reaches the function as the exact bytes received: as a string for UTF-8 text and JSON, base64
 * with {@code isBase64Encoded: true} for everything else. Like API Gateway it answers
 * {@code 404 {"message":"Not Found"}} when no route matches, {@code 500 {"message":"Internal Server
 * Error"}} when the function fails and {@code 503 {"message":"Service Unavailable"}} when it does
 * not answer within the integration timeout (30 s). One console line per request.
 */
public final class HttpApiGateway implements AutoCloseable {

    public static final String DEFAULT_ROUTE = "$default";
    public static final Duration INTEGRATION_TIMEOUT = Duration.ofSeconds(30);
    /** API Gateway's request payload limit. */
    public static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;

    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One route of the HTTP API.
     *
     * @param method {@code ANY} or an HTTP method
     * @param path   an exact path such as {@code /api/send_message}, or {@code $default}
     */
    public record Route(String method, String path, InvocableFunction function) {
        public Route {
            method = method.toUpperCase(Locale.ROOT);
        }

        public String routeKey() {
            return DEFAULT_ROUTE.equals(path) ? DEFAULT_ROUTE : method + " " + path;
        }
    }

    /** An HTTP request as it arrived, before translation. */
    record IncomingRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                           byte[] body, String sourceIp, String protocol, String host) {
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final List<Route> routes;
    private final Console console;

    private HttpApiGateway(HttpServer server, ExecutorService threads, List<Route> routes, Console console) {
        this.server = server;
        this.threads = threads;
        this.routes = List.copyOf(routes);
        this.console = console;
    }

    /** Serves the routes on 127.0.0.1:{@code port} (0 for a free port). */
    public static HttpApiGateway start(int port, List<Route> routes, Console console) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + port
                    + " (is something else using it? set PORT to another port)", e);
        }
        ExecutorService threads = Executors.newCachedThreadPool(DaemonThreads.factory("http-api"));
        HttpApiGateway gateway = new HttpApiGateway(server, threads, routes, console);
        server.createContext("/", gateway::handle);
        server.setExecutor(threads);
        server.start();
        return gateway;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Route> routes() {
        return routes;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    /** The route API Gateway picks: exact path and method, then exact path and ANY, then {@code $default}. */
    Optional<Route> match(String method, String path) {
        Route any = null;
        Route fallback = null;
        for (Route route : routes) {
            if (route.path().equals(path)) {
                if (route.method().equals(method)) {
                    return Optional.of(route);
                }
                if ("ANY".equals(route.method()) && any == null) {
                    any = route;
                }
            } else if (DEFAULT_ROUTE.equals(route.path()) && fallback == null) {
                fallback = route;
            }
        }
        return Optional.ofNullable(any != null ? any : fallback);
    }

    private void handle(HttpExchange exchange) throws IOException {
        long started = System.nanoTime();
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String rawPath = exchange.getRequestURI().getRawPath();
            byte[] body = exchange.getRequestBody().readNBytes(MAX_REQUEST_BYTES + 1);
            String requestId = newRequestId();
            exchange.getResponseHeaders().set("apigw-requestid", requestId);
            if (body.length > MAX_REQUEST_BYTES) {
                writeGatewayError(exchange, 413, "Request Entity Too Large");
                logLine(method, rawPath, 413, "-", started, null);
                return;
            }
            Optional<Route> route = match(method, rawPath);
            if (route.isEmpty()) {
                writeGatewayError(exchange, 404, "Not Found");
                logLine(method, rawPath, 404, "-", started, null);
                return;
            }
            IncomingRequest request = new IncomingRequest(method, rawPath, exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders(), body,
                    exchange.getRemoteAddress().getAddress().getHostAddress(), exchange.getProtocol(),
                    "127.0.0.1:" + server.getAddress().getPort());
            ObjectNode event = toEvent(request, route.get(), requestId, Instant.now());
            InvocableFunction function = route.get().function();
            FunctionAnswer answer = invoke(function, Json.writeBytes(event));
            if (answer.failure() != null) {
                boolean timedOut = answer.failure() instanceof LambdaInvocationException e && e.isTimeout()
                        || answer.failure() instanceof TimeoutException;
                writeGatewayError(exchange, timedOut ? 503 : 500, timedOut ? "Service Unavailable" : "Internal Server Error");
                logLine(method, rawPath, timedOut ? 503 : 500, function.name(), started, describeFailure(answer.failure()));
                return;
            }
            GatewayResponse response = GatewayResponse.fromFunctionOutput(answer.payload());
            response.headers().forEach((name, values) -> values.forEach(value ->
                    exchange.getResponseHeaders().add(name, value)));
            boolean noBody = "HEAD".equals(method) || response.statusCode() == 204 || response.statusCode() == 304
                    || response.body().length == 0;
            exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : response.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
            logLine(method, rawPath, response.statusCode(), function.name(), started, response.summary());
        }
    }

    private record FunctionAnswer(byte[] payload, Throwable failure) {
    }

    private static FunctionAnswer invoke(InvocableFunction function, byte[] event) {
        try {
            return new FunctionAnswer(function.invoke(event).get(INTEGRATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), null);
        } catch (ExecutionException e) {
            return new FunctionAnswer(null, e.getCause());
        } catch (TimeoutException e) {
            return new FunctionAnswer(null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new FunctionAnswer(null, e);
        }
    }

    private static String describeFailure(Throwable failure) {
        if (failure instanceof LambdaInvocationException e) {
            return "function error " + e.errorType() + ": " + e.errorMessage();
        }
        if (failure instanceof TimeoutException) {
            return "no answer within the integration timeout of " + INTEGRATION_TIMEOUT.toSeconds() + " s";
        }
        return failure.toString();
    }

    private void logLine(String method, String path, int status, String function, long startedNanos, String detail) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        StringBuilder line = new StringBuilder()
                .append(method).append(' ').append(path).append(" -> ").append(status)
                .append("  ").append(millis).append(" ms  ").append(function);
        if (detail != null && !detail.isEmpty()) {
            line.append("  ").append(detail);
        }
        console.print("gateway", "http_request", line.toString(), Console.fields(
                "method", method, "path", path, "status", status, "latency_ms", millis, "function", function,
                "detail", detail));
    }

    /** The payload format 2.0 event API Gateway would send for this request. */
    static ObjectNode toEvent(IncomingRequest request, Route route, String requestId, Instant now) {
        ObjectNode event = Json.object();
        event.put("version", "2.0");
        event.put("routeKey", route.routeKey());
        event.put("rawPath", request.rawPath());
        event.put("rawQueryString", request.rawQuery() == null ? "" : request.rawQuery());

        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        request.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if ("cookie".equals(lower)) {
                values.forEach(value -> {
                    for (String cookie : value.split(";")) {
                        if (!cookie.isBlank()) {
                            cookies.add(cookie.trim());
                        }
                    }
                });
            } else {
                headers.merge(lower, String.join(",", values), (a, b) -> a + "," + b);
            }
        });
        headers.putIfAbsent("x-forwarded-for", request.sourceIp());
        headers.putIfAbsent("x-forwarded-proto", "http");
        headers.putIfAbsent("x-forwarded-port", request.host().substring(request.host().lastIndexOf(':') + 1));
        headers.putIfAbsent("x-amzn-trace-id", "Root=1-" + Long.toHexString(now.getEpochSecond()) + "-"
                + HexFormat.of().formatHex(randomBytes(12)));
        if (!cookies.isEmpty()) {
            ArrayNode cookieArray = event.putArray("cookies");
            cookies.forEach(cookieArray::add);
        }
        ObjectNode headerNode = event.putObject("headers");
        headers.forEach(headerNode::put);

        Map<String, String> query = queryStringParameters(request.rawQuery());
        if (!query.isEmpty()) {
            ObjectNode queryNode = event.putObject("queryStringParameters");
            query.forEach(queryNode::put);
        }

        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "000000000000");
        context.put("apiId", "local");
        context.put("domainName", request.host());
        context.put("domainPrefix", request.host().split("[.:]")[0]);
        ObjectNode http = context.putObject("http");
        http.put("method", request.method());
        http.put("path", request.rawPath());
        http.put("protocol", request.protocol());
        http.put("sourceIp", request.sourceIp());
        http.put("userAgent", headers.getOrDefault("user-agent", ""));
        context.put("requestId", requestId);
        context.put("routeKey", route.routeKey());
        context.put("stage", "$default");
        context.put("time", REQUEST_TIME.format(now));
        context.put("timeEpoch", now.toEpochMilli());

        if (request.body().length > 0) {
            Optional<String> text = isTextContentType(headers.get("content-type"))
                    ? strictUtf8(request.body())
                    : Optional.empty();
            if (text.isPresent()) {
                event.put("body", text.get());
                event.put("isBase64Encoded", false);
            } else {
                event.put("body", Base64.getEncoder().encodeToString(request.body()));
                event.put("isBase64Encoded", true);
            }
        } else {
            event.put("isBase64Encoded", false);
        }
        return event;
    }

    /** API Gateway's {@code queryStringParameters}: decoded, repeated keys joined with commas. */
    static Map<String, String> queryStringParameters(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            parameters.merge(key, value, (a, b) -> a + "," + b);
        }
        return parameters;
    }

    /** Text and JSON travel as strings; everything else, and no content type at all, as base64. */
    static boolean isTextContentType(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        return type.startsWith("text/") || type.equals("application/json") || type.endsWith("+json")
                || type.equals("application/xml") || type.endsWith("+xml") || type.equals("application/javascript");
    }

    private static Optional<String> strictUtf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static String decode(String part) {
        try {
            return URLDecoder.decode(part, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return part;
        }
    }

    private static void writeGatewayError(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = Json.writeBytes(Json.object().put("message", message));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** API Gateway's request ids look like {@code JqQ8rhU7IAMEMPw=}. */
    private static String newRequestId() {
        return Base64.getEncoder().encodeToString(randomBytes(10));
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** What goes back to the HTTP client, decoded from the function's result. */
    record GatewayResponse(int statusCode, Map<String, List<String>> headers, byte[] body) {

        /**
         * A result with {@code statusCode} is a proxy response ({@code headers}, {@code cookies},
         * {@code body}, {@code isBase64Encoded}); any other JSON is, as in payload format 2.0, a
         * 200 with that JSON as the body. Output that is not JSON at all is a function error (500).
         */
        static GatewayResponse fromFunctionOutput(byte[] output) {
            Optional<JsonNode> parsed = Json.parse(output);
            if (parsed.isEmpty()) {
                return internalError();
            }
            JsonNode result = parsed.get();
            if (!result.isObject() || !result.has("statusCode")) {
                Map<String, List<String>> headers = new LinkedHashMap<>();
                headers.put("content-type", List.of("application/json"));
                return new GatewayResponse(200, headers, output);
            }
            if (!result.get("statusCode").canConvertToInt() || result.get("statusCode").asInt() < 100
                    || result.get("statusCode").asInt() > 599) {
                return internalError();
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            result.path("headers").properties().forEach(entry ->
                    headers.computeIfAbsent(entry.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(entry.getValue().asText()));
            result.path("multiValueHeaders").properties().forEach(entry -> entry.getValue().forEach(value ->
                    headers.computeIfAbsent(entry.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(value.asText())));
            result.path("cookies").forEach(cookie ->
                    headers.computeIfAbsent("set-cookie", k -> new ArrayList<>()).add(cookie.asText()));
            JsonNode bodyNode = result.get("body");
            byte[] body;
            if (bodyNode == null || bodyNode.isNull()) {
                body = new byte[0];
            } else if (result.path("isBase64Encoded").asBoolean(false)) {
                try {
                    body = Base64.getMimeDecoder().decode(bodyNode.asText());
                } catch (IllegalArgumentException e) {
                    return internalError();
                }
            } else {
                body = (bodyNode.isTextual() ? bodyNode.asText() : Json.write(bodyNode)).getBytes(StandardCharsets.UTF_8);
            }
            return new GatewayResponse(result.get("statusCode").asInt(), headers, body);
        }

        static GatewayResponse internalError() {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            headers.put("content-type", List.of("application/json"));
            return new GatewayResponse(500, headers,
                    Json.writeBytes(Json.object().put("message", "Internal Server Error")));
        }

        /** For the console: the message id or error code of a JSON response, if it has one. */
        String summary() {
            List<String> type = headers.getOrDefault("content-type", List.of());
            if (type.isEmpty() || !type.get(0).toLowerCase(Locale.ROOT).contains("json")) {
                return null;
            }
            JsonNode json = Json.parse(body).orElse(null);
            if (json == null || !json.isObject()) {
                return null;
            }
            List<String> parts = new ArrayList<>();
            String messageId = Json.text(json, "message_id");
            if (messageId != null) {
                parts.add("message_id=" + messageId);
            }
            String status = Json.text(json, "status");
            if (status != null) {
                parts.add("status=" + status);
            }
            String errorCode = Json.text(json.path("error"), "code");
            if (errorCode != null) {
                parts.add("error=" + errorCode);
            }
            return parts.isEmpty() ? null : String.join(" ", parts);
        }
    }
}
