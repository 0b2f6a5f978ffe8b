package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageStatus;

import java.util.Objects;
import java.util.OptionalLong;

/** What one claimed attempt did: its outcome, what SQS is told, and what its log line says. */
sealed interface Attempt {

    DeliveryOutcome outcome();

    Disposition disposition();

    /** Facebook took the message: its record is {@code sent}, or left to a queued copy or the page's echo. */
    record Sent(DeliveryOutcome outcome, String facebookMessageId, long graphLatencyMs) implements Attempt {
        public Sent {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(facebookMessageId, "facebookMessageId");
        }

        @Override
        public Disposition disposition() {
            return new Disposition.Ack();
        }
    }

    /**
     * Not sent, or not known to be: the record's new status and error.
     *
     * @param graphLatencyMs how long the Graph call took; empty when none was made
     */
    record NotSent(DeliveryOutcome outcome, MessageStatus status, DeliveryError error, Disposition disposition,
                   OptionalLong graphLatencyMs) implements Attempt {
        public NotSent {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(disposition, "disposition");
            Objects.requireNonNull(graphLatencyMs, "graphLatencyMs");
        }
    }
}
