package ai.joinchat.push.callbacks;

import ai.joinchat.push.local.http.SelfSignedTls;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CallbackPost}'s TLS path against a real HTTPS server on loopback, with a certificate for
 * {@code localhost} made by the JDK's keytool and trusted through the factory the post is given
 * (production gives the JVM's default): the POST arrives intact over TLS to the name in the URL, and
 * a certificate that does not name the URL's host is refused before anything is sent.
 */
class CallbackPostTlsTest {

    @TempDir
    Path directory;
    private HttpsServer server;
    private SSLContext trusting;
    private final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(directory, "dns:localhost");
        trusting = tls.trusting();

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.serving()));
        server.createContext("/hooks", exchange -> {
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("webhook-id") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private CallbackPost.Outcome post(String host) {
        // Loopback is private: allowed here as local mode allows it; the TLS checks are the same.
        CallbackPost post = new CallbackPost(true, trusting.getSocketFactory());
        return post.post(URI.create("https://" + host + ":" + server.getAddress().getPort() + "/hooks"),
                Map.of("webhook-id", "evt_tls", "content-type", "application/json"),
                "{\"type\":\"message.sent\"}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(15));
    }

    @Test
    void aCallbackTravelsOverTlsToTheHostItsCertificateNames() {
        CallbackPost.Outcome outcome = post("localhost");
        assertEquals(new CallbackPost.Outcome.Answered(204, java.util.Optional.empty()), outcome);
        assertEquals(List.of("POST evt_tls {\"type\":\"message.sent\"}"), received);
    }

    @Test
    void aCertificateForAnotherNameIsRefusedBeforeAnythingIsSent() {
        // The certificate names localhost, not 127.0.0.1: HTTPS endpoint identification refuses it.
        assertInstanceOf(CallbackPost.Outcome.Unreachable.class, post("127.0.0.1"));
        assertTrue(received.isEmpty(), "nothing reached the server: " + received);
    }

    @Test
    void theJvmsDefaultTrustStoreDoesNotTrustASelfSignedCertificate() {
        CallbackPost strict = new CallbackPost(true, (SSLSocketFactory) SSLSocketFactory.getDefault());
        CallbackPost.Outcome outcome = strict.post(URI.create("https://localhost:" + server.getAddress().getPort()
                + "/hooks"), Map.of(), new byte[0], Duration.ofSeconds(15));
        assertInstanceOf(CallbackPost.Outcome.Unreachable.class, outcome);
        assertTrue(received.isEmpty());
    }
}
