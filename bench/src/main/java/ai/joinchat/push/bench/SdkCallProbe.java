package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * What one AWS SDK call costs in this JVM, by HTTP client: the send API's two calls (a conditional
 * {@code PutItem} of a message record and a {@code SendMessage}), in a loop, through clients with
 * {@code AwsClientFactory}'s settings, answered either from memory (the SDK's own work) or by an
 * HTTP server in this JVM over loopback (the HTTP client's work too). Run it with the template's
 * {@code JAVA_TOOL_OPTIONS} (C1 only); the command is in docs/performance.md.
 *
 * <p>Arguments: {@code calls memory|socket url-connection|apache5|jdk} ({@code jdk}: an adapter of
 * the SDK's HTTP SPI over {@code java.net.http}, written here for the comparison). After a warm-up of
 * {@code calls} pairs, prints per call the wall time and the calling thread's CPU of each operation.
 */
public final class SdkCallProbe {

    private static final String BODY = "{\"message_id\":\"m-0123456789abcdef\",\"page_id\":\"1234567890\","
            + "\"recipient\":{\"id\":\"24681357\"},\"message\":{\"template_type\":\"text\",\"text\":\""
            + "x".repeat(300) + "\"}}";

    private SdkCallProbe() {
    }

    public static void main(String[] args) throws IOException {
        int calls = Integer.parseInt(args[0]);
        HttpServer server = args[1].equals("socket") ? startServer() : null;
        SdkHttpClient http = server == null ? new Answers() : switch (args[2]) {
            case "url-connection" -> UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                    .socketTimeout(Duration.ofSeconds(5)).build();
            case "apache5" -> Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                    .socketTimeout(Duration.ofSeconds(5)).build();
            case "jdk" -> new OverJavaNetHttp();
            default -> throw new IllegalArgumentException(args[2]);
        };
        URI endpoint = URI.create(server == null ? "http://backend.invalid:4566"
                : "http://127.0.0.1:" + server.getAddress().getPort());
        ClientOverrideConfiguration override = ClientOverrideConfiguration.builder()
                .apiCallTimeout(Duration.ofSeconds(5)).apiCallAttemptTimeout(Duration.ofMillis(2500))
                .retryStrategy(RetryMode.STANDARD).build();
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s"));
        DynamoDbClient dynamo = DynamoDbClient.builder().httpClient(http).credentialsProvider(credentials)
                .region(Region.US_EAST_1).endpointOverride(endpoint).overrideConfiguration(override).build();
        SqsClient sqs = SqsClient.builder().httpClient(http).credentialsProvider(credentials)
                .region(Region.US_EAST_1).endpointOverride(endpoint).overrideConfiguration(override).build();

        Map<String, AttributeValue> item = Map.of("message_id", AttributeValue.fromS("m-0123456789abcdef"),
                "page_id", AttributeValue.fromS("1234567890"), "status", AttributeValue.fromS("queued"),
                "recipient", AttributeValue.fromS("{\"id\":\"24681357\"}"),
                "updated_at", AttributeValue.fromS("2026-12-07T16:00:00.000Z"),
                "expires_at", AttributeValue.fromN("1767715200"), "decide_by", AttributeValue.fromN("1765123200000"));
        Runnable put = () -> dynamo.putItem(r -> r.tableName("Messages").item(item)
                .conditionExpression("attribute_not_exists(message_id)"));
        Runnable send = () -> sqs.sendMessage(r -> r.queueUrl(endpoint + "/000000000000/outbound")
                .messageBody(BODY).delaySeconds(0));
        for (int i = 0; i < calls; i++) {
            put.run();
            send.run();
        }
        System.out.printf(Locale.ROOT, "sdk-call %s %s PutItem %s SendMessage %s%n", args[1],
                server == null ? "-" : args[2], perCall(put, calls), perCall(send, calls));
        if (server != null) {
            server.stop(0);
        }
        System.exit(0);
    }

    private static String perCall(Runnable call, int calls) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        return String.format(Locale.ROOT, "wall_us %.0f cpu_us %.0f", (System.nanoTime() - wall) / 1e3 / calls,
                (threads.getCurrentThreadCpuTime() - cpu) / 1e3 / calls);
    }

    /** Answers as DynamoDB and SQS do, over loopback, with Nagle's algorithm off. */
    private static HttpServer startServer() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] answer = answer(exchange.getRequestHeaders().getFirst("X-Amz-Target"),
                    exchange.getRequestBody().readAllBytes());
            exchange.getResponseHeaders().add("x-amzn-RequestId", "probe");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.start();
        return server;
    }

    /** {@code {}}, or for {@code SendMessage} the MD5 of the body sent, which the SQS client checks. */
    private static byte[] answer(String target, byte[] request) {
        if (target == null || !target.endsWith("SendMessage")) {
            return new byte[] {'{', '}'};
        }
        try {
            String body = Json.parse(request).orElseThrow().path("MessageBody").asText();
            String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
            return Json.writeBytes(Json.object().put("MessageId", "probe").put("MD5OfMessageBody", md5));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] body(HttpExecuteRequest request) {
        return request.contentStreamProvider().map(provider -> {
            try (InputStream in = provider.newStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(new byte[0]);
    }

    private static HttpExecuteResponse response(int status, Map<String, java.util.List<String>> headers, byte[] body) {
        return HttpExecuteResponse.builder()
                .response(SdkHttpResponse.builder().statusCode(status).headers(headers).build())
                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                .build();
    }

    /** Answers from memory: the SDK's marshalling, signing and pipeline without any HTTP. */
    private static final class Answers implements SdkHttpClient {

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            byte[] answer = answer(request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse(null),
                    body(request));
            return new Executable(() -> response(200, Map.of("x-amzn-RequestId", java.util.List.of("probe")), answer));
        }

        @Override
        public void close() {
        }
    }

    /** The SDK's HTTP SPI over {@code java.net.http}, HTTP/1.1. */
    private static final class OverJavaNetHttp implements SdkHttpClient {

        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            SdkHttpRequest sdk = request.httpRequest();
            HttpRequest.Builder builder = HttpRequest.newBuilder(sdk.getUri()).timeout(Duration.ofSeconds(5))
                    .method(sdk.method().name(), HttpRequest.BodyPublishers.ofByteArray(body(request)));
            sdk.forEachHeader((name, values) -> {
                if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
                    values.forEach(value -> builder.header(name, value));
                }
            });
            return new Executable(() -> {
                try {
                    HttpResponse<byte[]> answer = client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
                    return response(answer.statusCode(), answer.headers().map(), answer.body());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            });
        }

        @Override
        public void close() {
        }
    }

    private interface Call {
        HttpExecuteResponse call() throws IOException;
    }

    private record Executable(Call answer) implements ExecutableHttpRequest {

        @Override
        public HttpExecuteResponse call() throws IOException {
            return answer.call();
        }

        @Override
        public void abort() {
            // Nothing in flight to abort.
        }
    }
}
