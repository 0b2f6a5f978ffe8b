package ai.joinchat.push.worker.graph;

import java.time.Duration;
import java.util.Objects;

/** The result of one Send API call. */
public sealed interface GraphSendOutcome permits GraphSendOutcome.Sent, GraphSendOutcome.Failed, GraphSendOutcome.Throttled,
        GraphSendOutcome.Unknown {

    /**
     * Messenger accepted the message.
     *
     * @param facebookMessageId Facebook's {@code message_id} ({@code m_...})
     * @param recipientId       the PSID Facebook reports as {@code recipient_id}, or null when absent
     */
    record Sent(String facebookMessageId, String recipientId) implements GraphSendOutcome {
        public Sent {
            Objects.requireNonNull(facebookMessageId, "facebookMessageId");
        }
    }

    /**
     * The call failed.
     *
     * @param error            what went wrong (never contains credentials)
     * @param transientFailure true when retrying later may succeed
     */
    record Failed(GraphError error, boolean transientFailure) implements GraphSendOutcome {
        public Failed {
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * Facebook refused the call because the page or the app is over a rate limit
     * ({@link GraphErrorClassifier.Kind#THROTTLED}): nothing was sent; come back later.
     *
     * @param error          what Graph answered
     * @param comeBackAfter  how long Facebook says to wait ({@code Retry-After}, or the usage headers'
     *                       {@code estimated_time_to_regain_access}); {@link Duration#ZERO} when it did not say
     */
    record Throttled(GraphError error, Duration comeBackAfter) implements GraphSendOutcome {
        public Throttled {
            Objects.requireNonNull(error, "error");
            comeBackAfter = comeBackAfter == null || comeBackAfter.isNegative() ? Duration.ZERO : comeBackAfter;
        }
    }

    /**
     * The request was written but no answer came back (timed out, or the connection was cut):
     * Facebook may have taken the message. Not a failure to retry blindly: the page's echo tells.
     *
     * @param error the transport failure, for the record
     */
    record Unknown(GraphError error) implements GraphSendOutcome {
        public Unknown {
            Objects.requireNonNull(error, "error");
        }
    }
}
