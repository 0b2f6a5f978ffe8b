package ai.joinchat.push.local.aws.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of one local AWS backend (DynamoDB Local, ElasticMQ) that understands just
 * enough HTTP/1.1 to fail chosen AWS calls the way networks and processes fail:
 * <ul>
 *   <li>{@link Fault#ERROR}: the connection is closed before the request is forwarded, so the
 *       backend never sees it (the caller gets an I/O error; nothing happened);</li>
 *   <li>{@link Fault#LOST_REPLY}: the request is forwarded and served, then the reply is thrown
 *       away and the connection closed (the caller gets an I/O error; it did happen);</li>
 *   <li>{@link Fault#KILL}: like a lost reply, and every later request is refused until
 *       {@link #clear()}: the invocation died right after this call reached the backend;</li>
 *   <li>{@link Fault#KILL_BEFORE}: this request and every later one are refused: the invocation
 *       died just before this call.</li>
 *   <li>{@link Fault#HANG}: the request is held, never forwarded and never answered, until the
 *       rule is cleared or the caller gives up (a backend whose reads, say, stall while its
 *       writes pass: {@link #hang}).</li>
 * </ul>
 * A rule may also {@linkplain #answer answer} for the backend with a canned HTTP response (a
 * service error the local backend never gives, such as a transaction conflict, or with
 * {@link #answerError} an AWS error such as {@code AccessDeniedException}).
 * Proxies {@linkplain #killsWith linked} together die together, like the calls of one process.
 * A rule names the operation (the {@code X-Amz-Target} suffix, e.g. {@code UpdateItem},
 * {@code SendMessage}) and, optionally, a text the request body must contain, so that one of
 * several calls of the same operation can be singled out. Rules apply to every matching request,
 * including the SDK's own retries, until cleared. Test support only.
 */
public final class FaultProxy implements AutoCloseable {

    public enum Fault { ERROR, LOST_REPLY, KILL, KILL_BEFORE, HANG, ANSWER }

    /** DynamoDB's read operations, for {@link #hang}. */
    public static final List<String> DYNAMODB_READS = List.of("GetItem", "BatchGetItem", "Query");

    private record Rule(String operation, String bodyContains, Fault fault, byte[] answer) {
        boolean matches(String op, String body) {
            return (operation.equals("*") || operation.equals(op)) && (bodyContains == null || body.contains(bodyContains));
        }
    }

    private final URI target;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> forwarded = new ConcurrentHashMap<>();
    private final AtomicInteger faulted = new AtomicInteger();
    private volatile boolean killed;
    private final List<FaultProxy> linked = new CopyOnWriteArrayList<>();
    private volatile boolean open = true;

    private FaultProxy(URI target, ServerSocket server) {
        this.target = target;
        this.server = server;
    }

    public static FaultProxy start(URI target) {
        try {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            FaultProxy proxy = new FaultProxy(target, server);
            proxy.threads.submit(proxy::acceptLoop);
            return proxy;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fault proxy", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Fails every request of this operation (whose body contains {@code bodyContains}, when given). */
    public FaultProxy fail(String operation, String bodyContains, Fault fault) {
        rules.add(new Rule(operation, bodyContains, fault, null));
        return this;
    }

    /** Holds every request of these operations (by {@code X-Amz-Target}) unanswered until {@link #clear()}. */
    public FaultProxy hang(List<String> operations) {
        operations.forEach(operation -> fail(operation, null, Fault.HANG));
        return this;
    }

    /**
     * Answers every request of this operation with this status and JSON body instead of the
     * backend (which never sees it).
     */
    public FaultProxy answer(String operation, int status, String contentType, String body) {
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " Fault\r\ncontent-type: " + contentType + "\r\ncontent-length: "
                + payload.length + "\r\n\r\n";
        byte[] response = new byte[head.length() + payload.length];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, response, 0, head.length());
        System.arraycopy(payload, 0, response, head.length(), payload.length);
        rules.add(new Rule(operation, null, Fault.ANSWER, response));
        return this;
    }

    /**
     * Answers every request of this operation ({@code *} for all) with {@code status} and the AWS
     * JSON error {@code errorType} (e.g. 400 {@code AccessDeniedException}), as the service would
     * refuse it; the backend never sees it.
     */
    public FaultProxy answerError(String operation, int status, String errorType) {
        return answer(operation, status, "application/x-amz-json-1.0", "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                + errorType + "\",\"message\":\"refused by the fault proxy\"}");
    }

    /** When this proxy kills, these die with it (they are the same process's other connections). */
    public FaultProxy killsWith(FaultProxy... others) {
        linked.addAll(List.of(others));
        return this;
    }

    public boolean killed() {
        return killed;
    }

    private void kill() {
        killed = true;
        linked.forEach(other -> other.killed = true);
    }

    /** Removes every rule and ends a kill: traffic flows again. */
    public void clear() {
        rules.clear();
        killed = false;
    }

    /** Requests of this operation that reached the backend. */
    public int forwarded(String operation) {
        AtomicInteger count = forwarded.get(operation);
        return count == null ? 0 : count.get();
    }

    /** Requests a rule failed (or a kill refused). */
    public int faulted() {
        return faulted.get();
    }

    private void acceptLoop() {
        while (open) {
            try {
                Socket client = server.accept();
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            while (true) {
                Message request = Message.read(in, true);
                if (request == null) {
                    return;
                }
                if (request.expectsContinue()) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    request = request.withBody(in);
                }
                String operation = request.operation();
                Rule rule = killed ? null : ruleFor(operation, request.bodyText());
                Fault fault = killed ? Fault.ERROR : rule == null ? null : rule.fault();
                if (fault == Fault.HANG) {
                    faulted.incrementAndGet();
                    while (open && rules.contains(rule) && !client.isClosed()) {
                        Thread.sleep(20);
                    }
                    return; // never answered: the caller has given up by now, or the rule is gone
                }
                if (fault == Fault.ANSWER) {
                    faulted.incrementAndGet();
                    out.write(rule.answer());
                    out.flush();
                    continue;
                }
                if (fault == Fault.KILL_BEFORE) {
                    kill();
                }
                if (fault == Fault.ERROR || fault == Fault.KILL_BEFORE) {
                    faulted.incrementAndGet();
                    return;
                }
                if (upstream == null) {
                    upstream = new Socket(target.getHost(), target.getPort());
                }
                upstream.getOutputStream().write(request.bytesWithoutExpect());
                upstream.getOutputStream().flush();
                Message response = Message.read(upstream.getInputStream(), false);
                forwarded.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
                if (fault != null) {
                    faulted.incrementAndGet();
                    if (fault == Fault.KILL) {
                        kill();
                    }
                    return;
                }
                if (response == null) {
                    return;
                }
                out.write(response.bytes());
                out.flush();
                if (response.closes()) {
                    return;
                }
            }
        } catch (IOException e) {
            // The caller sees a broken connection, as with a real network failure.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } finally {
            if (upstream != null) {
                try {
                    upstream.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }

    private Rule ruleFor(String operation, String body) {
        for (Rule rule : rules) {
            if (rule.matches(operation, body)) {
                return rule;
            }
        }
        return null;
    }

    @Override
    public void close() {
        open = false;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        threads.shutdownNow();
    }

    /** One HTTP/1.1 message as bytes, with the few headers the proxy looks at. */
    private record Message(byte[] head, byte[] body, Map<String, String> headers) {

        static Message read(InputStream in, boolean request) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            byte[] headBytes = head.toByteArray();
            Map<String, String> headers = new ConcurrentHashMap<>();
            String[] lines = new String(headBytes, StandardCharsets.ISO_8859_1).split("\r\n");
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
                }
            }
            Message message = new Message(headBytes, new byte[0], headers);
            if (request && message.expectsContinue()) {
                return message;
            }
            if (!request && lines[0].matches("HTTP/1\\.\\d 1\\d\\d.*")) {
                return read(in, false); // an interim response: the real one follows
            }
            return message.withBody(in);
        }

        Message withBody(InputStream in) throws IOException {
            String length = headers.get("content-length");
            if (length != null) {
                return new Message(head, in.readNBytes(Integer.parseInt(length)), headers);
            }
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                while (true) {
                    String sizeLine = line(in, raw);
                    int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                    if (size == 0) {
                        String trailer;
                        do {
                            trailer = line(in, raw);
                        } while (!trailer.isEmpty());
                        return new Message(head, raw.toByteArray(), headers);
                    }
                    raw.write(in.readNBytes(size));
                    line(in, raw);
                }
            }
            return this;
        }

        private static String line(InputStream in, ByteArrayOutputStream raw) throws IOException {
            StringBuilder text = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                raw.write(b);
                if (b == '\n') {
                    break;
                }
                if (b != '\r') {
                    text.append((char) b);
                }
            }
            return text.toString();
        }

        boolean expectsContinue() {
            return "100-continue".equalsIgnoreCase(headers.get("expect"));
        }

        boolean closes() {
            return "close".equalsIgnoreCase(headers.get("connection"));
        }

        String operation() {
            String target = headers.getOrDefault("x-amz-target", "");
            int dot = target.lastIndexOf('.');
            return dot < 0 ? target : target.substring(dot + 1);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            byte[] all = new byte[head.length + body.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            return all;
        }

        byte[] bytesWithoutExpect() {
            if (!expectsContinue()) {
                return bytes();
            }
            String text = new String(head, StandardCharsets.ISO_8859_1).replaceAll("(?im)^expect:[^\\r\\n]*\\r\\n", "");
            byte[] stripped = text.getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = new byte[stripped.length + body.length];
            System.arraycopy(stripped, 0, all, 0, stripped.length);
            System.arraycopy(body, 0, all, stripped.length, body.length);
            return all;
        }
    }
}
