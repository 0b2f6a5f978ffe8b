package ai.joinchat.push.webhook;

import java.util.List;

/**
 * The record of webhook events, one per page and event key. Writing is idempotent: Facebook's
 * redelivery of a batch writes the same keys again, so each event is recorded once.
 */
public interface WebhookRecords {

    /**
     * Records every event that has an event key (unknown kinds have none), once per key.
     *
     * @return how many distinct records were written
     * @throws ai.joinchat.push.DependencyUnavailableException when the store did not take them all
     */
    int record(List<WebhookEvent> events);
}
