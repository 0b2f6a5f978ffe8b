package ai.joinchat.push.worker.graph;

import ai.joinchat.push.worker.graph.GraphSendClient.Outcome;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphSendClientTest {

    /** Longer than any client's own timeout, which then applies. */
    private static final Duration NO_LIMIT = Duration.ofMinutes(1);

    private static final String PAGE_ID = "104857600123";
    private static final String PATH = "/v25.0/" + PAGE_ID + "/messages";
    private static final String TOKEN = "test-page-token-not-real-0123";
    private static final String APP_SECRET = "app-secret-0123456789abcdef";
    /** printf '%s' TOKEN | openssl dgst -sha256 -hmac APP_SECRET */
    private static final String PROOF = "4154216bb7b569a08af81258c29a22655932d16296524252a0bbfd923037584f";
    private static final String BODY = """
            {"recipient":{"id":"2468013579"},"messaging_type":"UPDATE",
             "message":{"text":"Hello World","metadata":"msg-1"}}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(options().dynamicPort()).build();
    private GraphSendClient client;

    @BeforeEach
    void reset() {
        client = GraphSendClient.fromSettings(server.baseUrl(), "v25.0", Duration.ofSeconds(5), Clock.systemUTC());
    }

    private static ObjectNode body() throws Exception {
        return (ObjectNode) JSON.readTree(BODY);
    }

    private static MappingBuilder messagesPost() {
        return post(urlPathEqualTo(PATH));
    }

    private static Outcome.Failed failed(Outcome outcome) {
        return assertInstanceOf(Outcome.Failed.class, outcome);
    }

    @Test
    void successParsesMessageIdAndSendsPathHeadersBodyAndProof() throws Exception {
        server.stubFor(messagesPost().willReturn(okJson(
                "{\"recipient_id\":\"2468013579\",\"message_id\":\"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM\"}")));

        Outcome outcome = client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT);

        Outcome.Sent sent = assertInstanceOf(Outcome.Sent.class, outcome);
        assertEquals("m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM", sent.facebookMessageId());
        assertEquals("2468013579", sent.recipientId());
        server.verify(1, postRequestedFor(urlPathEqualTo(PATH))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withHeader("Content-Type", equalTo("application/json"))
                .withQueryParam("appsecret_proof", equalTo(PROOF))
                .withRequestBody(equalToJson(BODY)));
    }

    @Test
    void noAppSecretMeansNoProof() throws Exception {
        server.stubFor(messagesPost().willReturn(okJson("{\"recipient_id\":\"1\",\"message_id\":\"m_1\"}")));

        Outcome outcome = client.send(PAGE_ID, TOKEN, Optional.empty(), body(), NO_LIMIT);

        assertInstanceOf(Outcome.Sent.class, outcome);
        server.verify(1, postRequestedFor(urlPathEqualTo(PATH))
                .withQueryParam("appsecret_proof", absent())
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)));
        assertFalse(server.getAllServeEvents().get(0).getRequest().getUrl().contains("?"));
    }

    @Test
    void baseUrlWithTrailingSlashAndPathPrefix() throws Exception {
        server.stubFor(post(urlPathEqualTo("/graph/v25.0/" + PAGE_ID + "/messages"))
                .willReturn(okJson("{\"message_id\":\"m_2\"}")));
        GraphSendClient prefixed = new GraphSendClient(new GraphSendClient.Connections(
                () -> HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), Clock.systemUTC()),
                URI.create(server.baseUrl() + "/graph/"), "v25.0", Duration.ofSeconds(5));
        GraphSendClient slash = GraphSendClient.fromSettings(server.baseUrl() + "/", "v25.0", Duration.ofSeconds(5),
                Clock.systemUTC());
        server.stubFor(messagesPost().willReturn(okJson("{\"message_id\":\"m_3\"}")));

        Outcome.Sent viaPrefix = assertInstanceOf(Outcome.Sent.class,
                prefixed.send(PAGE_ID, TOKEN, Optional.empty(), body(), NO_LIMIT));
        Outcome.Sent viaSlash = assertInstanceOf(Outcome.Sent.class,
                slash.send(PAGE_ID, TOKEN, Optional.empty(), body(), NO_LIMIT));

        assertEquals("m_2", viaPrefix.facebookMessageId());
        assertNull(viaPrefix.recipientId());
        assertEquals("m_3", viaSlash.facebookMessageId());
    }

    @Test
    void code100IsPermanentWithCodeSubcodeAndMessage() throws Exception {
        server.stubFor(messagesPost().willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("""
                        {"error":{"message":"(#100) No matching user found","type":"OAuthException",
                         "code":100,"error_subcode":2018001,"fbtrace_id":"A1b2C3d4"}}
                        """)));

        Outcome.Failed failed = failed(client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));

        assertFalse(failed.transientFailure());
        assertEquals(400, failed.error().httpStatus());
        assertEquals(100, failed.error().code());
        assertEquals(2018001, failed.error().subcode());
        assertEquals("OAuthException", failed.error().type());
        assertEquals("(#100) No matching user found", failed.error().message());
        assertEquals("A1b2C3d4", failed.error().fbtraceId());
    }

    @Test
    void http500IsTransient() throws Exception {
        server.stubFor(messagesPost().willReturn(aResponse().withStatus(500).withBody("Internal Server Error")));

        Outcome.Failed failed = failed(client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));

        assertTrue(failed.transientFailure());
        assertEquals(500, failed.error().httpStatus());
        assertEquals("Internal Server Error", failed.error().message());
    }

    @Test
    void code613IsThrottledAndComesBackWhenTheUsageHeadersSay() throws Exception {
        server.stubFor(messagesPost().willReturn(aResponse().withStatus(400)
                .withHeader("X-Business-Use-Case-Usage", "{\"" + PAGE_ID + "\":[{\"type\":\"messenger\","
                        + "\"call_count\":100,\"total_cputime\":1,\"total_time\":1,"
                        + "\"estimated_time_to_regain_access\":3}]}")
                .withHeader("X-App-Usage", "{\"call_count\":40,\"total_cputime\":1,\"total_time\":1}")
                .withBody("""
                {"error":{"message":"(#613) Calls to this api have exceeded the rate limit.",
                 "type":"OAuthException","code":613,"fbtrace_id":"T1"}}
                """)));

        Outcome.Throttled throttled = assertInstanceOf(Outcome.Throttled.class,
                client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));

        assertEquals(613, throttled.error().code());
        assertNull(throttled.error().subcode());
        assertEquals(Duration.ofMinutes(3), throttled.comeBackAfter(), "estimated_time_to_regain_access is minutes");
    }

    @Test
    void http429IsThrottledWithRetryAfterSecondsAndNoHintMeansZero() throws Exception {
        server.stubFor(messagesPost().willReturn(aResponse().withStatus(429).withHeader("Retry-After", "7")
                .withHeader("X-App-Usage", "{\"estimated_time_to_regain_access\":0}").withBody("slow down")));
        Outcome.Throttled throttled = assertInstanceOf(Outcome.Throttled.class,
                client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));
        assertEquals(Duration.ofSeconds(7), throttled.comeBackAfter());

        server.stubFor(messagesPost().willReturn(aResponse().withStatus(400).withBody(
                "{\"error\":{\"message\":\"(#32) Page request limit reached\",\"code\":32}}")));
        throttled = assertInstanceOf(Outcome.Throttled.class,
                client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));
        assertEquals(Duration.ZERO, throttled.comeBackAfter());
    }

    @Test
    void code613WithSubcode2018338IsPermanent() throws Exception {
        server.stubFor(messagesPost().willReturn(aResponse().withStatus(400).withBody("""
                {"error":{"message":"(#613) x","type":"OAuthException","code":613,
                 "error_subcode":2018338,"fbtrace_id":"T2"}}
                """)));

        Outcome.Failed failed = failed(client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));

        assertFalse(failed.transientFailure());
        assertEquals(613, failed.error().code());
        assertEquals(2018338, failed.error().subcode());
    }

    @Test
    void replyLaterThanTheTimeoutIsAnUnknownOutcomeNotAFailure() throws Exception {
        server.stubFor(messagesPost().willReturn(okJson("{\"message_id\":\"m_late\"}").withFixedDelay(2_000)));
        GraphSendClient impatient = GraphSendClient.fromSettings(server.baseUrl(), "v25.0", Duration.ofMillis(300),
                Clock.systemUTC());

        long start = System.nanoTime();
        Outcome outcome = impatient.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        Outcome.Unknown unknown = assertInstanceOf(Outcome.Unknown.class, outcome,
                "the request reached Facebook: it may have been delivered");
        assertEquals(0, unknown.error().httpStatus());
        assertEquals("timeout", unknown.error().message());
        assertTrue(elapsedMillis < 1_900, "gave up after the request timeout, took " + elapsedMillis + " ms");
    }

    @Test
    void connectionCutAfterTheRequestIsAnUnknownOutcome() throws Exception {
        server.stubFor(messagesPost().willReturn(aResponse().withFault(
                com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        assertInstanceOf(Outcome.Unknown.class, client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));
    }

    @Test
    void deadlineShorterThanTheClientTimeoutBoundsTheWait() throws Exception {
        server.stubFor(messagesPost().willReturn(okJson("{\"message_id\":\"m_late\"}").withFixedDelay(3_000)));
        long start = System.nanoTime();
        Outcome outcome = client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), Duration.ofMillis(200));
        assertInstanceOf(Outcome.Unknown.class, outcome);
        assertTrue((System.nanoTime() - start) / 1_000_000 < 2_500, "the deadline, not the 10 s timeout, ended the wait");
    }

    @Test
    void connectionRefusedIsTransient() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        GraphSendClient nowhere = GraphSendClient.fromSettings("http://127.0.0.1:" + closedPort, "v25.0",
                Duration.ofSeconds(2), Clock.systemUTC());

        Outcome.Failed failed = failed(nowhere.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));

        assertTrue(failed.transientFailure());
        assertEquals(0, failed.error().httpStatus());
        assertTrue(failed.error().message().startsWith("connection failed: "), failed.error().message());
    }

    @Test
    void okWithoutMessageIdIsTransient() throws Exception {
        server.stubFor(messagesPost().willReturn(okJson("{\"recipient_id\":\"2468013579\"}")));

        Outcome.Failed failed = failed(client.send(PAGE_ID, TOKEN, Optional.empty(), body(), NO_LIMIT));

        assertTrue(failed.transientFailure());
        assertEquals(200, failed.error().httpStatus());
        assertTrue(failed.error().message().contains("without message_id"), failed.error().message());
    }

    @Test
    void credentialsNeverAppearInOutcomes() throws Exception {
        server.stubFor(messagesPost().willReturn(aResponse().withStatus(400)
                .withBody("bad request for token " + TOKEN + " secret " + APP_SECRET + " proof " + PROOF)));

        Outcome.Failed failed = failed(client.send(PAGE_ID, TOKEN, Optional.of(APP_SECRET), body(), NO_LIMIT));

        String text = failed.toString() + client;
        assertFalse(text.contains(TOKEN), text);
        assertFalse(text.contains(APP_SECRET), text);
        assertFalse(text.contains(PROOF), text);
        assertTrue(failed.error().message().contains("[redacted]"), failed.error().message());
        assertFalse(failed.transientFailure());
    }

    @Test
    void interruptedCallerGetsTransientFailureAndKeepsInterruptFlag() throws Exception {
        server.stubFor(messagesPost().willReturn(okJson("{\"message_id\":\"m_x\"}").withFixedDelay(2_000)));
        ObjectNode body = body();

        Thread.currentThread().interrupt();
        try {
            Outcome.Failed failed = failed(client.send(PAGE_ID, TOKEN, Optional.empty(), body, NO_LIMIT));
            assertTrue(failed.transientFailure());
            assertEquals(0, failed.error().httpStatus());
            assertTrue(Thread.currentThread().isInterrupted(), "interrupt flag restored");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void rejectsBadArguments() throws Exception {
        ObjectNode body = body();
        assertThrows(IllegalArgumentException.class,
                () -> client.send("12/../34", TOKEN, Optional.empty(), body, NO_LIMIT));
        assertThrows(IllegalArgumentException.class, () -> client.send(PAGE_ID, " ", Optional.empty(), body, NO_LIMIT));
        assertThrows(IllegalArgumentException.class,
                () -> GraphSendClient.fromSettings(server.baseUrl(), "latest", Duration.ofSeconds(1),
                        Clock.systemUTC()));
        assertThrows(IllegalArgumentException.class,
                () -> GraphSendClient.fromSettings("ftp://example.com", "v25.0", Duration.ofSeconds(1),
                        Clock.systemUTC()));
        GraphSendClient defaults = GraphSendClient.fromSettings(null, null, null, Clock.systemUTC());
        assertEquals("https://graph.facebook.com/v25.0", defaults.baseUrl() + "/" + defaults.apiVersion());
    }

    @Test
    void aConnectionIdleForTheLimitIsNotUsedAgainSoOneDroppedMeanwhileCostsNoUnknownOutcome() throws Exception {
        MovableClock clock = new MovableClock();
        try (ForgettingProxy proxy = new ForgettingProxy(server.getPort())) {
            GraphSendClient graph = answeringThrough(proxy, clock);
            assertInstanceOf(Outcome.Sent.class, graph.send(PAGE_ID, TOKEN, Optional.empty(), body(), NO_LIMIT));

            // Dropped unseen while the container was frozen, as a NAT gateway drops an idle connection.
            proxy.forgetConnections();
            clock.advance(GraphSendClient.Connections.IDLE_LIMIT);

            assertInstanceOf(Outcome.Sent.class, graph.send(PAGE_ID, TOKEN, Optional.empty(), body(), NO_LIMIT));
            assertEquals(2, proxy.accepted(), "a new connection after the idle limit");
        }
    }

    @Test
    void aConnectionUsedWithinTheLimitIsKept() throws Exception {
        MovableClock clock = new MovableClock();
        try (ForgettingProxy proxy = new ForgettingProxy(server.getPort())) {
            GraphSendClient graph = answeringThrough(proxy, clock);
            for (int call = 0; call < 3; call++) {
                assertInstanceOf(Outcome.Sent.class, graph.send(PAGE_ID, TOKEN, Optional.empty(), body(), NO_LIMIT));
                clock.advance(GraphSendClient.Connections.IDLE_LIMIT.minusSeconds(1));
            }
            assertEquals(1, proxy.accepted(), "one kept-alive connection");
        }
    }

    /** A client whose calls reach the stub, which answers each with a message id, through {@code proxy}. */
    private static GraphSendClient answeringThrough(ForgettingProxy proxy, Clock clock) {
        server.stubFor(messagesPost().willReturn(okJson("{\"message_id\":\"m_1\"}")));
        return GraphSendClient.fromSettings(proxy.baseUrl(), "v25.0", Duration.ofSeconds(5), clock);
    }

    /** A clock the test moves; starts now. */
    private static final class MovableClock extends Clock {

        private volatile Instant now = Instant.now();

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * Forwards connections to the stub; {@link #forgetConnections} makes it drop the open ones without
     * telling the client, whose next bytes on one are answered with a reset.
     */
    private static final class ForgettingProxy implements AutoCloseable {

        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger accepted = new AtomicInteger();
        private final Set<Socket> forgotten = ConcurrentHashMap.newKeySet();
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();

        ForgettingProxy(int upstreamPort) throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        accepted.incrementAndGet();
                        open.add(client);
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                        daemon(() -> pump(client, upstream, true));
                        daemon(() -> pump(upstream, client, false));
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + listener.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        void forgetConnections() {
            forgotten.addAll(open);
        }

        private void pump(Socket from, Socket to, boolean fromClient) {
            byte[] buffer = new byte[8192];
            try (from; to) {
                for (int read; (read = from.getInputStream().read(buffer)) >= 0; ) {
                    if (fromClient && forgotten.contains(from)) {
                        from.setSoLinger(true, 0); // closed with a reset; nothing reaches the stub
                        return;
                    }
                    to.getOutputStream().write(buffer, 0, read);
                }
            } catch (IOException e) {
                // one side went away: both close
            }
        }

        private static void daemon(Runnable body) {
            Thread thread = new Thread(body);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
