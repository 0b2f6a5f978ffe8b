package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.request.ValidatedSendRequest;
import com.fasterxml.jackson.databind.JsonNode;
import org.crac.Context;
import org.crac.Resource;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * SnapStart priming of the send API: validates and serialises a sample message and answers a
 * 404, so the classes of the request path are loaded into the snapshot. No network, nothing
 * written.
 */
public record SendApiPriming(SendApiService service, SendRequestValidator validator, Clock clock) implements Resource {

    public void run() {
        JsonNode sample = Json.parse("{\"page_id\":\"1\",\"recipient\":{\"phone\":\"+1 555 0100 200\"},"
                + "\"message\":{\"template_type\":\"generic\",\"elements\":[{\"title\":\"t\",\"subtitle\":\"s\","
                + "\"buttons\":[{\"type\":\"postback\",\"title\":\"b\",\"payload\":{\"block_id\":\"1\"}}]}],"
                + "\"quick_replies\":[{\"content_type\":\"user_email\"}]},\"tag\":\"ACCOUNT_UPDATE\",\"delay\":\"1\"}");
        ValidatedSendRequest request = validator.validate(sample).request()
                .orElseThrow(() -> new IllegalStateException("the priming sample is not a valid request"));
        Instant now = clock.instant();
        Acceptance.of(request, "m", now, now).queued().toJson();
        service.handle(new HttpApiRequest("GET", "/priming", Map.of(), Map.of(), new byte[0]), Deadline.none(), now);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        run();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to refresh: clients resolve credentials lazily and the secret cache is bounded by age.
    }
}
