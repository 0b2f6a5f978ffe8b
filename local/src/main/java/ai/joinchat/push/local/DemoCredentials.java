package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The page and app secrets local mode seeds into its Secrets Manager. The demo values are public
 * and documented; each can be replaced through the launcher's environment ({@code LOCAL_PAGE_ID},
 * {@code LOCAL_API_SECRET}, {@code LOCAL_PAGE_ACCESS_TOKEN}, {@code LOCAL_APP_SECRET},
 * {@code LOCAL_VERIFY_TOKEN}), which is how local mode delivers for real.
 */
public record DemoCredentials(String pageId, String apiSecret, String pageAccessToken, String appSecret,
                              String verifyToken) {

    public static final String DEMO_PAGE_ID = "1234567890";
    public static final String DEMO_API_SECRET = "demo-api-secret";
    public static final String DEMO_PAGE_ACCESS_TOKEN = "demo-page-token";
    public static final String DEMO_APP_SECRET = "demo-app-secret";
    public static final String DEMO_VERIFY_TOKEN = "demo-verify-token";

    public static DemoCredentials demo() {
        return fromEnvironment(Map.of());
    }

    /** The demo values, each replaced by its {@code LOCAL_*} variable when that is set. */
    public static DemoCredentials fromEnvironment(Map<String, String> environment) {
        return new DemoCredentials(
                value(environment, "LOCAL_PAGE_ID", DEMO_PAGE_ID),
                value(environment, "LOCAL_API_SECRET", DEMO_API_SECRET),
                value(environment, "LOCAL_PAGE_ACCESS_TOKEN", DEMO_PAGE_ACCESS_TOKEN),
                value(environment, "LOCAL_APP_SECRET", DEMO_APP_SECRET),
                value(environment, "LOCAL_VERIFY_TOKEN", DEMO_VERIFY_TOKEN));
    }

    private static String value(Map<String, String> environment, String name, String demo) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? demo : value.trim();
    }

    /**
     * Delivering for real needs real credentials: when {@code graphApiBaseUrl} is not the local
     * sandbox or another loopback server, the page id, its access token and the app secret must
     * each have been replaced ({@code LOCAL_PAGE_ID}, {@code LOCAL_PAGE_ACCESS_TOKEN},
     * {@code LOCAL_APP_SECRET}). The worker always sends {@code appsecret_proof} signed with the app
     * secret, and Facebook refuses every send whose proof was made with the demo one; so local mode
     * refuses to start rather than fail each send.
     *
     * @throws IllegalArgumentException naming the variables to set
     */
    public void requireRealFor(String graphApiBaseUrl) {
        if (graphApiBaseUrl == null || isLoopback(graphApiBaseUrl)) {
            return;
        }
        List<String> missing = Stream.of(
                pageId.equals(DEMO_PAGE_ID) ? "LOCAL_PAGE_ID (your page's id)" : null,
                pageAccessToken.equals(DEMO_PAGE_ACCESS_TOKEN) ? "LOCAL_PAGE_ACCESS_TOKEN (the page access token)" : null,
                appSecret.equals(DEMO_APP_SECRET)
                        ? "LOCAL_APP_SECRET (your Facebook app's secret: the worker signs appsecret_proof with it)" : null)
                .filter(Objects::nonNull).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("GRAPH_API_BASE_URL=" + graphApiBaseUrl
                    + " delivers for real, which needs real credentials; set " + String.join(", ", missing)
                    + ". Without GRAPH_API_BASE_URL local mode delivers to its Graph API sandbox.");
        }
    }

    private static boolean isLoopback(String url) {
        try {
            String host = URI.create(url).getHost();
            return host != null && (host.equals("localhost") || host.startsWith("127.") || host.matches("\\[?::1]?"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The page secret's SecretString: {@code {"api_secret", "page_access_token"}}. */
    public String pageSecretJson() {
        return Json.write(Json.object().put("api_secret", apiSecret).put("page_access_token", pageAccessToken));
    }

    /** The app secret's SecretString: {@code {"app_secret", "verify_token"}}. */
    public String appSecretJson() {
        return Json.write(Json.object().put("app_secret", appSecret).put("verify_token", verifyToken));
    }

    /** A value for the banner: the demo value itself, or only where a real one came from. */
    static String shown(String value, String demo, String variable) {
        return value.equals(demo) ? value : "(from " + variable + ")";
    }

    @Override
    public String toString() {
        return "DemoCredentials[pageId=" + pageId + ", secrets hidden]";
    }
}
