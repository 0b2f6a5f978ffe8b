package ai.joinchat.push.local;

import ai.joinchat.push.local.http.LocalHttp;
import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

    private static final String DEFAULT_ROUTE = "$default";
    private static final int INTEGRATION_TIMEOUT_SECONDS = 30;
    /** API Gateway's request payload limit. */
    private static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;

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

    private final List<Route> routes;
    private final Console console;
    private final LocalHttp http;
    /** The browser console: serves {@code /__console/} and is told of every request the functions answered. */
    private volatile BrowserConsole browserConsole;

    private HttpApiGateway(int port, List<Route> routes, Console console) {
        this.routes = List.copyOf(routes);
        this.console = console;
        this.http = LocalHttp.serve(port, "http-api", "cannot listen on 127.0.0.1:" + port
                + " (is something else using it? set PORT to another port)", this::handle);
    }

    /** Serves the routes on 127.0.0.1:{@code port} (0 for a free port). */
    public static HttpApiGateway start(int port, List<Route> routes, Console console) {
        return new HttpApiGateway(port, routes, console);
    }

    void attach(BrowserConsole browserConsole) {
        this.browserConsole = browserConsole;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI baseUri() {
        return http.baseUri();
    }

    @Override
    public void close() {
        http.close();
    }

    /** The route API Gateway picks: exact path and method, then exact path and ANY, then {@code $default}. */
    private Route match(String method, String path) {
        return Stream.of(method + " " + path, "ANY " + path, DEFAULT_ROUTE)
                .flatMap(key -> routes.stream().filter(route -> route.routeKey().equals(key)))
                .findFirst().orElse(null);
    }

    private void handle(HttpExchange exchange) throws IOException {
        long started = System.nanoTime();
        BrowserConsole browser = browserConsole;
        if (browser != null && exchange.getRequestURI().getRawPath().startsWith("/__console/")) {
            browser.handle(exchange);
            return;
        }
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            byte[] body = exchange.getRequestBody().readNBytes(MAX_REQUEST_BYTES + 1);
            byte[] id = new byte[10];
            RANDOM.nextBytes(id);
            String requestId = Base64.getEncoder().encodeToString(id); // like JqQ8rhU7IAMEMPw=
            exchange.getResponseHeaders().set("apigw-requestid", requestId);
            Route route = match(method, path);
            GatewayResponse response;
            String detail = null;
            if (route == null || body.length > MAX_REQUEST_BYTES) {
                response = route == null ? GatewayResponse.error(404, "Not Found")
                        : GatewayResponse.error(413, "Request Entity Too Large");
            } else {
                try {
                    response = GatewayResponse.fromFunctionOutput(route.function().invoke(Json.writeBytes(
                            toEvent(exchange, body, route, requestId, Instant.now())))
                            .get(INTEGRATION_TIMEOUT_SECONDS, TimeUnit.SECONDS));
                    detail = response.summary();
                } catch (ExecutionException | TimeoutException | InterruptedException e) {
                    Throwable failure = e instanceof ExecutionException ? e.getCause() : e;
                    boolean timedOut = failure instanceof TimeoutException
                            || failure instanceof LambdaInvocationException l && l.isTimeout();
                    response = timedOut ? GatewayResponse.error(503, "Service Unavailable")
                            : GatewayResponse.error(500, "Internal Server Error");
                    detail = failure instanceof LambdaInvocationException l
                            ? "function error " + l.errorType() + ": " + l.errorMessage()
                            : failure instanceof TimeoutException ? "no answer within the integration timeout of "
                            + INTEGRATION_TIMEOUT_SECONDS + " s" : failure.toString();
                }
            }
            exchange.getResponseHeaders().putAll(response.headers());
            boolean noBody = "HEAD".equals(method) || response.statusCode() == 204 || response.statusCode() == 304
                    || response.body().length == 0;
            exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : response.body().length);
            if (!noBody) {
                exchange.getResponseBody().write(response.body());
            }
            if (browser != null && route != null) {
                browser.exchanged(method, path, exchange.getRequestHeaders(), body, response.statusCode(), response.body());
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            String function = route == null ? "-" : route.function().name();
            console.print("gateway", "http_request", method + " " + path + " -> " + response.statusCode() + "  " + millis
                    + " ms  " + function + (detail == null ? "" : "  " + detail),
                    Console.fields("method", method, "path", path, "status", response.statusCode(),
                            "latency_ms", millis, "function", function, "detail", detail));
        }
    }

    /** The payload format 2.0 event API Gateway would send for this request. */
    private ObjectNode toEvent(HttpExchange exchange, byte[] body, Route route, String requestId, Instant now) {
        String rawQuery = exchange.getRequestURI().getRawQuery();
        ObjectNode event = Json.object().put("version", "2.0").put("routeKey", route.routeKey())
                .put("rawPath", exchange.getRequestURI().getRawPath()).put("rawQueryString", rawQuery == null ? "" : rawQuery);

        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if ("cookie".equals(lower)) {
                values.forEach(value -> Arrays.stream(value.split(";")).map(String::trim).filter(c -> !c.isEmpty())
                        .forEach(cookies::add));
            } else {
                headers.merge(lower, String.join(",", values), (a, b) -> a + "," + b);
            }
        });
        if (!cookies.isEmpty()) {
            cookies.forEach(event.putArray("cookies")::add);
        }
        headers.forEach(event.putObject("headers")::put);
        Map<String, String> query = LocalHttp.query(rawQuery);
        if (!query.isEmpty()) {
            query.forEach(event.putObject("queryStringParameters")::put);
        }

        ObjectNode context = event.putObject("requestContext").put("apiId", "local")
                .put("domainName", "127.0.0.1:" + http.port());
        context.putObject("http").put("method", exchange.getRequestMethod().toUpperCase(Locale.ROOT))
                .put("path", exchange.getRequestURI().getRawPath()).put("protocol", exchange.getProtocol())
                .put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress())
                .put("userAgent", headers.getOrDefault("user-agent", ""));
        context.put("requestId", requestId).put("routeKey", route.routeKey()).put("stage", "$default")
                .put("time", REQUEST_TIME.format(now)).put("timeEpoch", now.toEpochMilli());

        String text = new String(body, StandardCharsets.UTF_8);
        // Bytes are valid UTF-8 exactly when they survive the round trip (invalid ones become U+FFFD).
        boolean base64 = !isTextContentType(headers.get("content-type"))
                || !Arrays.equals(text.getBytes(StandardCharsets.UTF_8), body);
        if (body.length > 0) {
            event.put("body", base64 ? Base64.getEncoder().encodeToString(body) : text);
        }
        return event.put("isBase64Encoded", body.length > 0 && base64);
    }

    /** Text and JSON travel as strings; everything else, and no content type at all, as base64. */
    private static boolean isTextContentType(String contentType) {
        String type = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        return type.startsWith("text/") || type.equals("application/json") || type.endsWith("+json")
                || type.equals("application/xml") || type.endsWith("+xml") || type.equals("application/javascript");
    }

    /** What goes back to the HTTP client, decoded from the function's result. */
    record GatewayResponse(int statusCode, Map<String, List<String>> headers, byte[] body) {

        /**
         * A result with {@code statusCode} is a proxy response ({@code headers}, {@code cookies},
         * {@code body}, {@code isBase64Encoded}); any other JSON is, as in payload format 2.0, a
         * 200 with that JSON as the body. Output that is not JSON at all is a function error (500).
         */
        static GatewayResponse fromFunctionOutput(byte[] output) {
            JsonNode result = Json.parse(output).orElse(null);
            if (result != null && (!result.isObject() || !result.has("statusCode"))) {
                return new GatewayResponse(200, Map.of("content-type", List.of("application/json")), output);
            }
            int status = result == null || !result.get("statusCode").canConvertToInt() ? 0 : result.get("statusCode").asInt();
            if (status < 100 || status > 599) {
                return error(500, "Internal Server Error");
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            result.path("headers").properties().forEach(entry ->
                    headers.computeIfAbsent(entry.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(entry.getValue().asText()));
            result.path("cookies").forEach(cookie ->
                    headers.computeIfAbsent("set-cookie", k -> new ArrayList<>()).add(cookie.asText()));
            JsonNode bodyNode = result.path("body");
            try {
                byte[] body = bodyNode.isMissingNode() || bodyNode.isNull() ? new byte[0]
                        : result.path("isBase64Encoded").asBoolean(false) ? Base64.getMimeDecoder().decode(bodyNode.asText())
                        : (bodyNode.isTextual() ? bodyNode.asText() : Json.write(bodyNode)).getBytes(StandardCharsets.UTF_8);
                return new GatewayResponse(status, headers, body);
            } catch (IllegalArgumentException e) {
                return error(500, "Internal Server Error");
            }
        }

        /** API Gateway's own answer, {@code {"message": ...}}. */
        static GatewayResponse error(int status, String message) {
            return new GatewayResponse(status, Map.of("content-type", List.of("application/json")),
                    Json.writeBytes(Json.object().put("message", message)));
        }

        /** For the console: the message id, status and error code of a JSON response, if it has them. */
        String summary() {
            String type = headers.getOrDefault("content-type", List.of("")).get(0).toLowerCase(Locale.ROOT);
            JsonNode json = type.contains("json") ? Json.parse(body).orElse(Json.object()) : Json.object();
            Map<String, Object> parts = Console.fields("message_id", Json.text(json, "message_id"),
                    "status", Json.text(json, "status"), "error", Json.text(json.path("error"), "code"));
            return parts.isEmpty() ? null : parts.entrySet().stream().map(part -> part.getKey() + "=" + part.getValue())
                    .collect(Collectors.joining(" "));
        }
    }
}
