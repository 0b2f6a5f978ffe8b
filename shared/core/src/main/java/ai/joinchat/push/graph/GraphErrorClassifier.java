package ai.joinchat.push.graph;

import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a Graph API failure is worth retrying.
 *
 * <p>Transient: transport failures (timeouts, refused connections; {@code httpStatus 0}), HTTP
 * 429, HTTP 5xx, and Graph codes 1, 2, 4, 17, 341, 613 and 1200 — except that subcode 2018338 is
 * always permanent. Every other error is permanent (e.g. codes 10, 100, 190, 200, 551, 2022, and
 * subcodes such as 2018001 or 2018108).
 *
 * <p>Stateless and thread-safe.
 */
public final class GraphErrorClassifier {

    /** Graph codes for temporary or throttling conditions. */
    static final Set<Integer> TRANSIENT_CODES = Set.of(1, 2, 4, 17, 341, 613, 1200);

    /** Subcode that is permanent whatever the code or status. */
    static final int PERMANENT_SUBCODE = 2018338;

    public boolean isTransient(GraphError error) {
        Objects.requireNonNull(error, "error");
        if (error.subcode() != null && error.subcode() == PERMANENT_SUBCODE) {
            return false;
        }
        int status = error.httpStatus();
        if (status == GraphError.TRANSPORT_FAILURE_STATUS || status == 429 || (status >= 500 && status <= 599)) {
            return true;
        }
        return error.code() != null && TRANSIENT_CODES.contains(error.code());
    }
}
