package ai.joinchat.push.webhook.service;

import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;

import java.util.List;

/** What one piece of a batch's work came to for the events it covers; the batch tallies them. */
public sealed interface EventOutcome {

    /** Done; what it wrote (a redelivery writes nothing new and counts nothing). */
    record Applied(int recorded, int echoesMatched, int messagesAdvanced, int messagesRead, int bindings,
                   int refsRefused) implements EventOutcome {

        static Applied recorded(int events) {
            return new Applied(events, 0, 0, 0, 0, 0);
        }

        /** An echo recorded next to its message (false: recorded already, a redelivery). */
        static Applied echo(boolean recorded) {
            return recorded ? new Applied(1, 1, 0, 0, 0, 0) : recorded(0);
        }

        static Applied delivered(int messages) {
            return new Applied(0, 0, messages, 0, 0, 0);
        }

        static Applied read(int messages) {
            return new Applied(0, 0, messages, messages, 0, 0);
        }

        static Applied bound(int bindings) {
            return new Applied(0, 0, 0, 0, bindings, 0);
        }

        static Applied refused(int refs) {
            return new Applied(0, 0, 0, 0, 0, refs);
        }
    }

    /** Never storable as they are ({@code ValidationException}, or a bug of ours); the others take effect. */
    record Skipped(List<WebhookEvent> events, RuntimeException reason) implements EventOutcome {
        public Skipped {
            events = List.copyOf(events);
        }
    }

    /** Not done now (transient, or the deployment's to fix): the batch fails and Facebook redelivers it. */
    record Failed(DependencyUnavailableException failure) implements EventOutcome {
    }

    /** A failure of the work for {@code events}: skipped when the events themselves are the cause, else failed. */
    static EventOutcome ofFailure(List<WebhookEvent> events, RuntimeException failure) {
        if (failure instanceof DependencyUnavailableException dependency && !SdkFailures.invalidRequest(dependency)) {
            return new Failed(dependency);
        }
        return new Skipped(events, failure);
    }
}
