package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The webhook's own store in memory (the shared ones are in joinchat-push-test-fixtures). */
final class Fakes {

    private Fakes() {
    }

    static final class Records implements WebhookRecords {
        final List<WebhookEvent> recorded = Collections.synchronizedList(new ArrayList<>());
        volatile RuntimeException failure;

        /** Every kind, receipts included, so a test sees each event the processor passes on. */
        @Override
        public boolean stores(WebhookEvent event) {
            return true;
        }

        @Override
        public WebhookEventProcessor.Outcome record(List<WebhookEvent> events, Deadline deadline) {
            if (failure != null) {
                throw failure;
            }
            recorded.addAll(events);
            return WebhookEventProcessor.Outcome.recorded(events.size(), List.of());
        }
    }
}
