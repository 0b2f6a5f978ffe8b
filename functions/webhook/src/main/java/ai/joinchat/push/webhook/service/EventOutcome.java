package ai.joinchat.push.webhook.service;

import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;

import java.util.List;
import java.util.function.Supplier;

/**
 * What one piece of a batch's work (recording events, an echo, a receipt, a contact's bindings)
 * came to for the events it covers (contract section 6: one bad event never blocks the others).
 * The batch's answer is their tally ({@link WebhookEventProcessor.Outcome}).
 */
public sealed interface EventOutcome {

    /** Done; what it wrote (a redelivery writes nothing new and counts nothing). */
    record Applied(int recorded, int echoesMatched, int messagesAdvanced, int bindings, int refsRefused)
            implements EventOutcome {

        static Applied recorded(int events) {
            return new Applied(events, 0, 0, 0, 0);
        }

        /** An echo recorded next to its message (false: recorded already, a redelivery). */
        static Applied echo(boolean recorded) {
            return recorded ? new Applied(1, 1, 0, 0, 0) : recorded(0);
        }

        static Applied advanced(int messages) {
            return new Applied(0, 0, messages, 0, 0);
        }

        static Applied bound(int bindings) {
            return new Applied(0, 0, 0, bindings, 0);
        }

        static Applied refused(int refs) {
            return new Applied(0, 0, 0, 0, refs);
        }
    }

    /**
     * Never storable or applicable as they are: a store refused them as an invalid request
     * ({@code ValidationException}), or they tripped a bug of ours. The others take effect.
     */
    record Skipped(List<WebhookEvent> events, RuntimeException reason) implements EventOutcome {
        public Skipped {
            events = List.copyOf(events);
        }
    }

    /**
     * Not done now: transient (throttling, 5xx, a timeout, the deadline) or the deployment's
     * (access denied, a missing table, bad credentials), which an operator fixes. The batch fails
     * and Facebook redelivers it; every write is idempotent under that redelivery.
     */
    record Failed(DependencyUnavailableException failure) implements EventOutcome {
    }

    /** Runs {@code work} for {@code events} and names how it went. */
    static EventOutcome of(List<WebhookEvent> events, Supplier<Applied> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            return ofFailure(events, e);
        }
    }

    /** A failure of the work for {@code events}: skipped when the events themselves are the cause, else failed. */
    static EventOutcome ofFailure(List<WebhookEvent> events, RuntimeException failure) {
        if (failure instanceof DependencyUnavailableException dependency && !SdkFailures.invalidRequest(dependency)) {
            return new Failed(dependency);
        }
        return new Skipped(events, failure);
    }
}
