package ai.joinchat.push.send.request;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** The rule for URLs Messenger opens or fetches: absolute, {@code http} or {@code https}, with a host. */
final class HttpUrl {

    static final String RULE = "must be an absolute http(s) URL";

    private HttpUrl() {
    }

    static boolean isAbsoluteHttp(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.codePoints().anyMatch(Character::isWhitespace)) {
            return false;
        }
        try {
            URI uri = new URI(candidate);
            String scheme = uri.getScheme();
            if (scheme == null) {
                return false;
            }
            String lower = scheme.toLowerCase(Locale.ROOT);
            String authority = uri.getRawAuthority();
            return (lower.equals("http") || lower.equals("https"))
                    && authority != null && !authority.isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
