import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Receives JoinChat status callbacks (Standard Webhooks 1.0) with the JDK only ({@code java Receiver.java},
 * Java 11+, the JDK's jdk.httpserver). Verifies webhook-signature over
 * {@code "<webhook-id>.<webhook-timestamp>.<raw body>"}, refuses a timestamp more than 5 minutes from this
 * clock, deduplicates by webhook-id (in memory, the last 10,000), answers 204 (also to a duplicate, so the
 * sender stops retrying) or 400, and prints one line per request:
 * {@code accepted <type> <webhook-id> | duplicate <type> <webhook-id> | rejected <webhook-id> <reason>}
 * <pre>
 *   JOINCHAT_CALLBACK_SECRET  the page's callback_secret (whsec_...), required
 *   JOINCHAT_RECEIVER_PORT    or the first argument; default 4000 (listens on 127.0.0.1 only)
 * </pre>
 */
public class Receiver {

    private static final long TOLERANCE_SECONDS = 5 * 60;
    private static final int MAX_REMEMBERED = 10_000;
    private static final int MAX_BODY = 256 * 1024;
    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]*)\"");

    private static byte[] key;
    private static final Set<String> seen = new LinkedHashSet<>(); // the oldest first

    public static void main(String[] args) throws Exception {
        String secret = System.getenv().getOrDefault("JOINCHAT_CALLBACK_SECRET", "");
        if (!secret.startsWith("whsec_")) {
            System.err.println("JOINCHAT_CALLBACK_SECRET must be the page's callback_secret (whsec_...)");
            System.exit(2);
        }
        key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        String port = args.length > 0 ? args[0] : System.getenv().getOrDefault("JOINCHAT_RECEIVER_PORT", "4000");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 0);
        server.createContext("/", Receiver::receive); // one thread: seen needs no lock
        server.start();
        System.out.println("listening on http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private static void receive(HttpExchange exchange) throws IOException {
        String id = header(exchange, "webhook-id");
        String timestamp = header(exchange, "webhook-timestamp");
        String signature = header(exchange, "webhook-signature");
        byte[] body; // the raw bytes: verify before parsing
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (!exchange.getRequestMethod().equals("POST") || id.isEmpty() || timestamp.isEmpty() || signature.isEmpty()
                || body.length > MAX_BODY) {
            answer(exchange, 400, "rejected " + (id.isEmpty() ? "-" : id) + " missing headers or too large");
            return;
        }
        String reason = verify(id, timestamp, body, signature, System.currentTimeMillis() / 1000);
        if (reason != null) {
            answer(exchange, 400, "rejected " + id + " " + reason);
            return;
        }
        Matcher type = TYPE.matcher(new String(body, StandardCharsets.UTF_8)); // use your JSON library here
        String eventType = type.find() ? type.group(1) : "?";
        if (!seen.add(id)) {
            answer(exchange, 204, "duplicate " + eventType + " " + id);
            return;
        }
        if (seen.size() > MAX_REMEMBERED) {
            seen.remove(seen.iterator().next());
        }
        // Handle the event here (data.status, data.message_id, ...); answer within 15 seconds.
        answer(exchange, 204, "accepted " + eventType + " " + id);
    }

    /** Null when valid, else the reason. */
    static String verify(String id, String timestamp, byte[] body, String signatureHeader, long now) {
        if (!timestamp.matches("[0-9]{1,12}") || Math.abs(Long.parseLong(timestamp) - now) > TOLERANCE_SECONDS) {
            return "stale timestamp";
        }
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            expected = mac.doFinal(body);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (String entry : signatureHeader.split(" ")) {
            try {
                if (entry.startsWith("v1,") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(entry.substring(3)))) {
                    return null;
                }
            } catch (IllegalArgumentException notBase64) {
                // another entry may still match
            }
        }
        return "bad signature";
    }

    private static String header(HttpExchange exchange, String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null ? "" : value.trim();
    }

    private static void answer(HttpExchange exchange, int status, String line) throws IOException {
        System.out.println(line);
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }
}
