package ai.joinchat.push.aws;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwsClientFactoryTest {

    @Test
    void serviceSpecificEndpointWinsOverTheGlobalOne() {
        AwsClientFactory factory = new AwsClientFactory(Map.of(
                "AWS_ENDPOINT_URL", "http://127.0.0.1:4566",
                "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324",
                "AWS_REGION", "eu-west-1"));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9324")), factory.endpoint("SQS"));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:4566")), factory.endpoint("DYNAMODB"));
        assertEquals("eu-west-1", factory.region().orElseThrow().id());
    }

    @Test
    void noEndpointVariablesMeansTheServiceDefault() {
        AwsClientFactory factory = new AwsClientFactory(Map.of());
        assertEquals(Optional.empty(), factory.endpoint("SECRETS_MANAGER"));
        assertEquals(Optional.empty(), factory.region());
    }

    /**
     * The waits between the SDK's attempts are drawn by {@code Jitter} (SecureRandom), not by the
     * SDK's ThreadLocalRandom, whose seeds a SnapStart snapshot holds: full jitter under the SDK's
     * own ceilings, none before the first attempt.
     */
    @Test
    void theSdksRetryWaitsAreFullJitterUnderItsCeilings() {
        BackoffStrategy ceilings = BackoffStrategy.exponentialDelayWithoutJitter(Duration.ofMillis(100),
                Duration.ofSeconds(20));
        BackoffStrategy waits = AwsClientFactory.fullJitter(Duration.ofMillis(100));
        assertEquals(Duration.ZERO, waits.computeDelay(1));
        for (int attempt = 2; attempt <= 4; attempt++) {
            Set<Duration> drawn = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                Duration wait = waits.computeDelay(attempt);
                assertTrue(!wait.isNegative() && wait.compareTo(ceilings.computeDelay(attempt)) <= 0,
                        "attempt " + attempt + " waited " + wait);
                drawn.add(wait);
            }
            assertTrue(drawn.size() > 20, "random waits, attempt " + attempt + ": " + drawn);
        }
    }

    /** With its own waits, the strategy is still the SDK's: a throttled call is tried again. */
    @Test
    void aThrottledCallIsTriedAgainAfterAWaitUnderTheThrottlingCeiling() throws Exception {
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            arrivals.add(System.nanoTime());
            boolean first = arrivals.size() == 1;
            byte[] body = (first ? "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
                    + "\"message\":\"Rate of requests exceeds the allowed throughput.\"}" : "{}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(first ? 400 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try (AwsClientFactory factory = new AwsClientFactory(Map.of("AWS_ENDPOINT_URL",
                "http://127.0.0.1:" + server.getAddress().getPort(), "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test"))) {
            factory.dynamoDb().putItem(put -> put.tableName("t").item(Map.of("k", AttributeValue.fromS("v"))));
            assertEquals(2, arrivals.size(), "throttled once, then written");
            long gapMs = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
            // The wait is at most the 1 s ceiling; the rest is the answer, its parsing and the next request.
            assertTrue(gapMs < 1_800, "waited under the 1 s throttling ceiling: " + gapMs + " ms between attempts");
        } finally {
            server.stop(0);
        }
    }

    /**
     * AWS endpoints close a connection left idle, and a Lambda container is frozen between
     * invocations. The first call after that must not be tried on the dead connection (a failed
     * attempt, then the SDK's jittered pause before its retry): Apache HttpClient 5 checks a pooled
     * connection that has been idle for 2 s or more before it reuses it.
     */
    @Test
    void aConnectionTheServiceClosedWhileIdleIsNotTriedAgain() throws Exception {
        try (IdleClosingServer server = new IdleClosingServer(500)) {
            AtomicInteger attempts = new AtomicInteger();
            ExecutionInterceptor countAttempts = new ExecutionInterceptor() {
                @Override
                public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                    attempts.incrementAndGet();
                }
            };
            AwsClientFactory factory = new AwsClientFactory(Map.of("AWS_ENDPOINT_URL", server.url(),
                    "AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test"),
                    List.of(countAttempts));
            try (factory) {
                DynamoDbClient dynamo = factory.dynamoDb();
                dynamo.putItem(put -> put.tableName("t").item(Map.of("k", AttributeValue.fromS("first"))));
                long lastCall = System.nanoTime();
                assertTrue(server.idleClosed.await(10, TimeUnit.SECONDS), "the service closed the idle connection");
                TimeUnit.NANOSECONDS.sleep(lastCall + TimeUnit.MILLISECONDS.toNanos(2_300) - System.nanoTime());

                attempts.set(0);
                dynamo.putItem(put -> put.tableName("t").item(Map.of("k", AttributeValue.fromS("after idle"))));
                assertEquals(1, attempts.get(), "one attempt: the closed connection was not tried");
                assertEquals(2, server.connections.get(), "the call went over a new connection");
            }
        }
    }

    /** Answers every request {@code {}} (as DynamoDB answers PutItem) and closes a connection idle for {@code idleMillis}. */
    private static final class IdleClosingServer implements AutoCloseable {
        private static final byte[] ANSWER = ("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                + "x-amz-crc32: 2745614147\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII);

        final AtomicInteger connections = new AtomicInteger();
        final CountDownLatch idleClosed = new CountDownLatch(1);
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final int idleMillis;

        IdleClosingServer(int idleMillis) throws IOException {
            this.idleMillis = idleMillis;
            Thread acceptor = new Thread(this::accept, "idle-closing-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    connections.incrementAndGet();
                    Thread serving = new Thread(() -> serve(connection), "idle-closing-connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection) {
                connection.setSoTimeout(idleMillis);
                InputStream in = new BufferedInputStream(connection.getInputStream());
                OutputStream out = connection.getOutputStream();
                while (true) {
                    int length = contentLength(in);
                    if (length < 0) {
                        return;
                    }
                    in.readNBytes(length);
                    out.write(ANSWER);
                    out.flush();
                }
            } catch (SocketTimeoutException idle) {
                idleClosed.countDown(); // the try closes it, as the service does
            } catch (IOException gone) {
                // the client closed it
            }
        }

        /** Reads one request's head: its Content-Length, or -1 at the end of the stream. */
        private static int contentLength(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return -1;
                }
                head.append((char) c);
            }
            for (String line : head.toString().split("\r\n")) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    return Integer.parseInt(line.substring(15).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
