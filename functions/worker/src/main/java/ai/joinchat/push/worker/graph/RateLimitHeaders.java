package ai.joinchat.push.worker.graph;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;

/**
 * How long Facebook says to stay away: {@code Retry-After} (seconds) or the usage headers'
 * {@code estimated_time_to_regain_access} (minutes), the longest wins, unreadable ones are not
 * said, capped at {@link #LONGEST}.
 */
public final class RateLimitHeaders {

    public static final String BUSINESS_USE_CASE_USAGE = "X-Business-Use-Case-Usage";
    public static final String APP_USAGE = "X-App-Usage";
    public static final String RETRY_AFTER = "Retry-After";
    /** No hint is believed beyond this. */
    static final Duration LONGEST = Duration.ofHours(24);

    private RateLimitHeaders() {
    }

    /** The wait the headers ask for, {@link Duration#ZERO} when they say nothing usable. */
    public static Duration comeBackAfter(HttpHeaders headers) {
        long seconds = 0;
        Optional<String> retryAfter = headers.firstValue(RETRY_AFTER);
        if (retryAfter.isPresent()) {
            try {
                seconds = Math.max(seconds, Long.parseLong(retryAfter.get().trim()));
            } catch (NumberFormatException e) {
                // An HTTP date or garbage: Facebook sends seconds; ignore the rest.
            }
        }
        seconds = Math.max(seconds, 60 * regainMinutes(headers.firstValue(BUSINESS_USE_CASE_USAGE).orElse(null)));
        seconds = Math.max(seconds, 60 * regainMinutes(headers.firstValue(APP_USAGE).orElse(null)));
        return Duration.ofSeconds(Math.min(seconds, LONGEST.toSeconds()));
    }

    /** The largest {@code estimated_time_to_regain_access} anywhere in the usage JSON, 0 when none. */
    static long regainMinutes(String usageJson) {
        if (usageJson == null || usageJson.isBlank() || usageJson.length() > 10_000) {
            return 0;
        }
        try {
            return largest(Json.MAPPER.readTree(usageJson), 0);
        } catch (Exception e) {
            return 0;
        }
    }

    private static long largest(JsonNode node, int depth) {
        if (node == null || depth > 3) {
            return 0;
        }
        long found = 0;
        JsonNode regain = node.get("estimated_time_to_regain_access");
        if (regain != null && regain.canConvertToLong()) {
            found = Math.max(found, regain.asLong());
        }
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                found = Math.max(found, largest(child, depth + 1));
            }
        }
        return found;
    }
}
