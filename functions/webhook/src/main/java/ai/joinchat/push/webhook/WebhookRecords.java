package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.webhook.WebhookEventProcessor.Outcome;

import java.util.List;

/** The record of webhook events, one per page and event key, so a redelivered batch records nothing twice. */
public interface WebhookRecords {

    /** The most events one write request takes (DynamoDB's BatchWriteItem limit). */
    int REQUEST_EVENTS = 25;

    /** Whether {@link #record} writes {@code event} (else it leaves it out, so callers need not pass it). */
    boolean stores(WebhookEvent event);

    /**
     * An event never storable as it is, with why: DynamoDB refused its item as invalid (a
     * {@code ValidationException}), or, in the batch's other work, a bug of ours failed on it.
     */
    record Rejected(WebhookEvent event, RuntimeException failure) {
    }

    /**
     * Records every event that has an event key, once per key, by {@code deadline}. An event whose item
     * the store rejects deterministically is skipped, the others written all the same;
     * DependencyUnavailableException (transient) when the store did not take them all and may later.
     */
    Outcome record(List<WebhookEvent> events, Deadline deadline);
}
