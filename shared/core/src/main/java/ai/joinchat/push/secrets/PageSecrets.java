package ai.joinchat.push.secrets;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A page's secrets: the API signing key (and the previous one during rotation) and its token, plus
 * the page settings stored in the same secret: {@code require_timestamp} (only the timestamped
 * signature is accepted), {@code unsigned_refs} and the status callbacks (empty when it has none).
 */
public record PageSecrets(String apiSecret, String pageAccessToken, String previousApiSecret,
                          boolean requireTimestamp, UnsignedRefPolicy unsignedRefs, Optional<CallbackSettings> callbacks) {

    /** Keys whose signatures are accepted: the current one, then the previous one if present. */
    public List<String> acceptedApiSecrets() {
        List<String> keys = new ArrayList<>(2);
        if (apiSecret != null && !apiSecret.isEmpty()) {
            keys.add(apiSecret);
        }
        if (previousApiSecret != null && !previousApiSecret.isEmpty()) {
            keys.add(previousApiSecret);
        }
        return keys;
    }

    @Override
    public String toString() {
        return "PageSecrets[redacted]";
    }
}
