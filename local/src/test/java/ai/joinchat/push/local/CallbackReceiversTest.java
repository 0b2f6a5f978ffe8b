package ai.joinchat.push.local;

import ai.joinchat.push.signature.CallbackSignature;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The callback receivers of {@code examples/} (Python, Node, Java, PHP listeners and the bash + openssl
 * verifier of a captured request) get status callbacks signed by the product's own
 * {@link CallbackSignature}: a valid one is accepted once and its repeat reported as a duplicate; a
 * tampered body, a wrong secret and a stale timestamp are rejected with 400 (exit 1 for the verifier).
 * A receiver whose runtime is missing is skipped, as in {@link ClientExamplesTest}.
 */
class CallbackReceiversTest {

    private static final Duration START_LIMIT = Duration.ofSeconds(90);
    private static final Duration LINE_LIMIT = Duration.ofSeconds(20);
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "callback receivers test key 32 b".getBytes(StandardCharsets.UTF_8));
    private static final String OTHER_SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "some other page's key, 32 bytes!".getBytes(StandardCharsets.UTF_8));
    private static final AtomicLong NEXT_ID = new AtomicLong(System.currentTimeMillis());

    /** A callback as the dispatcher sends it: id, the three headers' values and the raw body. */
    record Signed(String id, long timestamp, String signature, byte[] body) {
    }

    /** An example's listener, started with this secret on a free port; its output lines in order. */
    record RunningReceiver(Process process, BlockingQueue<String> lines, Path directory, URI uri) implements AutoCloseable {

        static String runtime(String language) {
            return language.equals("python") ? "python3" : language;
        }

        static RunningReceiver start(String language, Path directory, String secret) throws Exception {
            Path root = LocalMode.findRepositoryRoot();
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            ProcessBuilder builder = new ProcessBuilder(root.resolve("examples").resolve(language).resolve("receiver.sh")
                    .toString(), Integer.toString(port)).redirectError(directory.resolve("stderr.txt").toFile());
            builder.environment().put("JOINCHAT_CALLBACK_SECRET", secret);
            builder.environment().put("JOINCHAT_RECEIVER_STATE", directory.resolve("seen-ids").toString());
            Process process = builder.start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    in.lines().forEach(lines::add);
                } catch (IOException ended) {
                    // the receiver was stopped
                }
            }, language + "-receiver-output");
            reader.setDaemon(true);
            reader.start();
            RunningReceiver receiver = new RunningReceiver(process, lines, directory,
                    URI.create("http://127.0.0.1:" + port + "/callbacks"));
            try {
                String listening = lines.poll(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
                assertEquals("listening on http://127.0.0.1:" + port + "/", listening, stderr(directory));
                awaitPort(port);
                return receiver;
            } catch (Exception | AssertionError e) {
                receiver.close();
                throw e;
            }
        }

        String next() throws Exception {
            return CallbackReceiversTest.next(lines, directory);
        }

        @Override
        public void close() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }

    @ParameterizedTest(name = "{0} receiver")
    @ValueSource(strings = {"python", "node", "java", "php"})
    void receiverAcceptsASignedCallbackOnceAndRejectsForgeries(String language, @TempDir Path directory) throws Exception {
        String runtime = RunningReceiver.runtime(language);
        Assumptions.assumeTrue(present(runtime), language + " receiver skipped: " + runtime + " is missing");
        try (RunningReceiver running = RunningReceiver.start(language, directory, SECRET)) {
            URI uri = running.uri();
            BlockingQueue<String> lines = running.lines();

            Signed sent = sign(messageEvent("message.sent", "sent"), Instant.now(), SECRET);
            assertEquals(2, post(uri, sent, sent.body()) / 100, stderr(directory));
            assertEquals("accepted message.sent " + sent.id(), next(lines, directory));

            Signed retry = sign(sent.id(), sent.body(), Instant.now().plusSeconds(5), SECRET);
            assertEquals(2, post(uri, retry, retry.body()) / 100, "a repeat is answered 2xx so retries stop");
            assertEquals("duplicate message.sent " + sent.id(), next(lines, directory));

            Signed bound = sign(contactBound(), Instant.now(), SECRET);
            byte[] tampered = new String(bound.body(), StandardCharsets.UTF_8).replace("user-42", "user-43")
                    .getBytes(StandardCharsets.UTF_8);
            assertEquals(400, post(uri, bound, tampered));
            assertEquals("rejected " + bound.id() + " bad signature", next(lines, directory));
            assertEquals(2, post(uri, bound, bound.body()) / 100, "a rejected forgery does not mark its id as seen");
            assertEquals("accepted contact.bound " + bound.id(), next(lines, directory));

            Signed wrongSecret = sign(messageEvent("message.read", "read"), Instant.now(), OTHER_SECRET);
            assertEquals(400, post(uri, wrongSecret, wrongSecret.body()));
            assertEquals("rejected " + wrongSecret.id() + " bad signature", next(lines, directory));

            Signed stale = sign(messageEvent("message.delivered", "delivered"), Instant.now().minusSeconds(600), SECRET);
            assertEquals(400, post(uri, stale, stale.body()));
            assertEquals("rejected " + stale.id() + " stale timestamp", next(lines, directory));
        }
    }

    @Test
    void curlVerifierChecksACapturedCallback(@TempDir Path directory) throws Exception {
        Assumptions.assumeTrue(present("openssl"), "curl verifier skipped: openssl is missing");
        Path script = LocalMode.findRepositoryRoot().resolve("examples/curl/verify_callback.sh");

        Signed sent = sign(messageEvent("message.failed", "failed"), Instant.now(), SECRET);
        assertEquals(new Run(0, "accepted message.failed " + sent.id()), verify(script, directory, sent, sent.body()));
        Signed retry = sign(sent.id(), sent.body(), Instant.now().plusSeconds(5), SECRET);
        assertEquals(new Run(3, "duplicate message.failed " + sent.id()), verify(script, directory, retry, retry.body()));

        Signed bound = sign(contactBound(), Instant.now(), SECRET);
        byte[] tampered = (new String(bound.body(), StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
        assertEquals(new Run(1, "rejected " + bound.id() + " bad signature"), verify(script, directory, bound, tampered));
        Signed wrongSecret = sign(contactBound(), Instant.now(), OTHER_SECRET);
        assertEquals(new Run(1, "rejected " + wrongSecret.id() + " bad signature"),
                verify(script, directory, wrongSecret, wrongSecret.body()));
        Signed stale = sign(contactBound(), Instant.now().plusSeconds(600), SECRET);
        assertEquals(new Run(1, "rejected " + stale.id() + " stale timestamp"), verify(script, directory, stale, stale.body()));
    }

    record Run(int exitStatus, String output) {
    }

    private static Run verify(Path script, Path directory, Signed callback, byte[] body) throws Exception {
        return verify(script, directory, callback, body, SECRET);
    }

    /** Runs the curl folder's verifier on the request written as files. */
    static Run verify(Path script, Path directory, Signed callback, byte[] body, String secret) throws Exception {
        Path headers = directory.resolve("headers.txt");
        Path bodyFile = directory.resolve("body.json");
        // As captured from the wire: CRLF line ends, any header spelling.
        Files.writeString(headers, "Content-Type: application/json\r\nWebhook-Id: " + callback.id() + "\r\nwebhook-timestamp: "
                + callback.timestamp() + "\r\nWEBHOOK-SIGNATURE: " + callback.signature() + "\r\n");
        Files.write(bodyFile, body);
        ProcessBuilder builder = new ProcessBuilder(script.toString(), headers.toString(), bodyFile.toString())
                .redirectErrorStream(true);
        builder.environment().put("JOINCHAT_CALLBACK_SECRET", secret);
        builder.environment().put("JOINCHAT_SEEN_IDS", directory.resolve("seen-ids").toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
        return new Run(process.exitValue(), output);
    }

    private static Signed sign(byte[] body, Instant at, String secret) {
        return sign("msg_" + Long.toString(NEXT_ID.incrementAndGet(), 36), body, at, secret);
    }

    /** Signed as the dispatcher does during a rotation: the current secret's entry after another one's. */
    private static Signed sign(String id, byte[] body, Instant at, String secret) {
        byte[] key = CallbackSignature.key(secret).orElseThrow();
        byte[] unrelated = CallbackSignature.key("whsec_" + Base64.getEncoder().encodeToString(new byte[32])).orElseThrow();
        return new Signed(id, at.getEpochSecond(),
                CallbackSignature.header(id, at.getEpochSecond(), body, List.of(unrelated, key)), body);
    }

    private static byte[] messageEvent(String type, String status) {
        return ("{\"type\":\"" + type + "\",\"timestamp\":\"" + Instant.now() + "\",\"data\":{\"page_id\":\"1234567890\","
                + "\"message_id\":\"" + NEXT_ID.incrementAndGet() + "\",\"status\":\"" + status + "\","
                + "\"recipient\":{\"id\":\"24681357\",\"psid\":\"24681357\"},\"facebook_message_id\":\"m_AbC\",\"attempts\":1}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] contactBound() {
        return ("{\"type\":\"contact.bound\",\"timestamp\":\"" + Instant.now() + "\",\"data\":{\"page_id\":\"1234567890\","
                + "\"psid\":\"24681357\",\"kind\":\"uuid\",\"value\":\"user-42\",\"source\":\"signed_ref\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * POSTs as the dispatcher does: on a connection of its own (it sends {@code Connection: close}).
     * A shared client could reuse a kept-alive connection to an earlier receiver that had this port.
     */
    static int post(URI uri, Signed callback, byte[] body) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                        .header("content-type", "application/json")
                        .header("user-agent", "joinchat-push-callbacks-test")
                        .header("webhook-id", callback.id())
                        .header("webhook-timestamp", Long.toString(callback.timestamp()))
                        .header("webhook-signature", callback.signature())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String next(BlockingQueue<String> lines, Path directory) throws Exception {
        String line = lines.poll(LINE_LIMIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(line, "no line from the receiver; its stderr: " + stderr(directory));
        return line;
    }

    private static void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }

    private static String stderr(Path directory) throws IOException {
        Path file = directory.resolve("stderr.txt");
        return Files.exists(file) ? Files.readString(file) : "";
    }

    static boolean present(String command) throws Exception {
        Process process = new ProcessBuilder("bash", "-c", "command -v " + command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
    }
}
