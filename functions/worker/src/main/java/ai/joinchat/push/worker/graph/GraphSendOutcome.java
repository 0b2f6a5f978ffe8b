package ai.joinchat.push.worker.graph;

import java.time.Duration;
import java.util.Objects;

/** The result of one Send API call. */
public sealed interface GraphSendOutcome {

    /** Messenger accepted the message; {@code recipientId} (the PSID) may be null. */
    record Sent(String facebookMessageId, String recipientId) implements GraphSendOutcome {
        public Sent {
            Objects.requireNonNull(facebookMessageId, "facebookMessageId");
        }
    }

    /** The call failed; {@code transientFailure} when retrying later may succeed. */
    record Failed(GraphError error, boolean transientFailure) implements GraphSendOutcome {
        public Failed {
            Objects.requireNonNull(error, "error");
        }
    }

    /** Over a rate limit: nothing was sent; {@code comeBackAfter} is Facebook's wait, or zero. */
    record Throttled(GraphError error, Duration comeBackAfter) implements GraphSendOutcome {
        public Throttled {
            Objects.requireNonNull(error, "error");
            comeBackAfter = comeBackAfter == null || comeBackAfter.isNegative() ? Duration.ZERO : comeBackAfter;
        }
    }

    /** The request was written but no answer came back: Facebook may have it; the echo tells. */
    record Unknown(GraphError error) implements GraphSendOutcome {
        public Unknown {
            Objects.requireNonNull(error, "error");
        }
    }
}
