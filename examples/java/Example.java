import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sends a signed text message with java.net.http (Java 11+, no dependencies: {@code java Example.java}),
 * and prints the HTTP status and the answer. Exit status 0 when the API answered 2xx.
 * <pre>
 *   JOINCHAT_BASE_URL    default http://127.0.0.1:3000 (local mode)
 *   JOINCHAT_PAGE_ID     default 1234567890
 *   JOINCHAT_API_SECRET  default demo-api-secret
 *   JOINCHAT_PSID        the recipient's page-scoped id, default 24681357
 *   JOINCHAT_SIGNATURE   timestamped (default) or classic (JoinChat's: the body alone)
 * </pre>
 */
public class Example {

    public static void main(String[] args) throws Exception {
        String baseUrl = setting("JOINCHAT_BASE_URL", "http://127.0.0.1:3000").replaceAll("/+$", "");
        String apiSecret = setting("JOINCHAT_API_SECRET", "demo-api-secret");

        // The exact bytes that are sent are the bytes that are signed.
        byte[] body = ("{\"page_id\":\"" + setting("JOINCHAT_PAGE_ID", "1234567890") + "\","
                + "\"recipient\":{\"id\":\"" + setting("JOINCHAT_PSID", "24681357") + "\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"Hello from Java\"}}")
                .getBytes(StandardCharsets.UTF_8);

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(apiSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/api/send_message"))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json");
        if (!"classic".equals(setting("JOINCHAT_SIGNATURE", "timestamped"))) {
            String timestamp = Long.toString(System.currentTimeMillis() / 1000);
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            request.header("x-joinchat-timestamp", timestamp);
        }
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(body));
        request.header("x-joinchat-signature", signature).POST(HttpRequest.BodyPublishers.ofByteArray(body));

        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        System.out.println("HTTP " + response.statusCode());
        System.out.println(response.body());
        System.exit(response.statusCode() / 100 == 2 ? 0 : 1);
    }

    private static String setting(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
