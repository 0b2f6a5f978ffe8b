package ai.joinchat.push.webhook;

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

        @Override
        public Recorded record(List<WebhookEvent> events) {
            if (failure != null) {
                throw failure;
            }
            recorded.addAll(events);
            return new Recorded(events.size(), List.of());
        }

        /** Echo records by message id (the echo's metadata); also in {@link #recorded}. */
        final java.util.Map<String, MessageEcho> echoes = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public boolean recordEcho(MessageEcho echo) {
            if (failure != null) {
                throw failure;
            }
            if (echoes.putIfAbsent(echo.metadata(), echo) != null) {
                return false;
            }
            recorded.add(echo);
            return true;
        }
    }
}
