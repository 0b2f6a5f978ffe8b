package ai.joinchat.push.worker.graph;

import java.util.Objects;
import java.util.Set;

/**
 * What a Graph API failure means for the message: try again later, slow down, or give up.
 * Throttling is "later", never "never"; anything not listed here is permanent.
 */
public final class GraphErrorClassifier {

    public enum Kind {
        TRANSIENT,
        THROTTLED,
        PERMANENT
    }

    static final Set<Integer> TRANSIENT_CODES = Set.of(1, 2, 341, 1200);

    /** Graph codes for rate limits: app (4), user (17), page (32), API (613), Messenger (80001, 80006). */
    static final Set<Integer> THROTTLING_CODES = Set.of(4, 17, 32, 613, 80001, 80006);

    /** Subcode that is permanent whatever the code or status. */
    static final int PERMANENT_SUBCODE = 2018338;

    public Kind classify(GraphError error) {
        Objects.requireNonNull(error, "error");
        if (error.subcode() != null && error.subcode() == PERMANENT_SUBCODE) {
            return Kind.PERMANENT;
        }
        int status = error.httpStatus();
        if (status == 429 || (error.code() != null && THROTTLING_CODES.contains(error.code()))) {
            return Kind.THROTTLED;
        }
        if (status == GraphError.TRANSPORT_FAILURE_STATUS || (status >= 500 && status <= 599)) {
            return Kind.TRANSIENT;
        }
        return error.code() != null && TRANSIENT_CODES.contains(error.code()) ? Kind.TRANSIENT : Kind.PERMANENT;
    }
}
