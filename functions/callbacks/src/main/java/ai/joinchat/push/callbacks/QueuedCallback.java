package ai.joinchat.push.callbacks;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Optional;

/**
 * An event on {@code CallbackQueue}: the event, which try comes next (1 = the first), when the
 * first was made (the retry schedule counts from it) and the time before which it must not be
 * tried (SQS delays stop at 15 minutes, so a longer wait is several trips through the queue).
 */
record QueuedCallback(CallbackEvent event, int attempt, Instant firstTry, Instant notBefore) {

    static QueuedCallback first(CallbackEvent event) {
        return new QueuedCallback(event, 1, null, Instant.EPOCH);
    }

    String toJson() {
        ObjectNode node = Json.object().put("id", event.id()).put("page_id", event.pageId()).put("type", event.type())
                .put("timestamp", event.timestamp().toString()).put("attempt", attempt)
                .put("not_before", notBefore.toEpochMilli());
        node.set("data", event.data());
        if (firstTry != null) {
            node.put("first_try", firstTry.toEpochMilli());
        }
        return Json.write(node);
    }

    /** Empty when the body is not one (nothing this function wrote). */
    static Optional<QueuedCallback> fromJson(String body) {
        try {
            JsonNode node = Json.parse(body);
            CallbackEvent event = new CallbackEvent(node.get("id").textValue(), node.get("page_id").textValue(),
                    node.get("type").textValue(), Instant.parse(node.get("timestamp").textValue()), node.get("data"));
            if (event.id() == null || event.pageId() == null || event.type() == null || !event.data().isObject()) {
                return Optional.empty();
            }
            return Optional.of(new QueuedCallback(event, node.get("attempt").intValue(),
                    node.has("first_try") ? Instant.ofEpochMilli(node.get("first_try").longValue()) : null,
                    Instant.ofEpochMilli(node.path("not_before").longValue())));
        } catch (RuntimeException malformed) {
            return Optional.empty();
        }
    }
}
