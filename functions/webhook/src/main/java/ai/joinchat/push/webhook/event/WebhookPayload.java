package ai.joinchat.push.webhook.event;

import ai.joinchat.push.webhook.event.WebhookEvent.EventKind;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed webhook POST: its {@code object}, how many entries it had, the events understood
 * (in payload order, unknown kinds included) and how many malformed events were skipped.
 */
public record WebhookPayload(String object, int entries, List<WebhookEvent> events, int skipped) {

    public WebhookPayload {
        events = List.copyOf(events);
    }

    public boolean isPage() {
        return "page".equals(object);
    }

    public Map<EventKind, Integer> countsByKind() {
        Map<EventKind, Integer> counts = new EnumMap<>(EventKind.class);
        events.forEach(e -> counts.merge(e.kind(), 1, Integer::sum));
        return counts;
    }
}
