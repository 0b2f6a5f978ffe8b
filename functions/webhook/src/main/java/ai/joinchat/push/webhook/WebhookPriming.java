package ai.joinchat.push.webhook;

import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.webhook.event.WebhookPayload;
import ai.joinchat.push.webhook.event.WebhookPayloadParser;
import ai.joinchat.push.webhook.service.ContactBindingRules;
import ai.joinchat.push.webhook.service.WebhookService;
import ai.joinchat.push.webhook.store.DynamoWebhookRecords;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.http.HttpApiEventCodec;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.crac.Context;
import org.crac.Resource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * SnapStart priming of the webhook: runs its hot path once on a sample payload before the
 * checkpoint, with no network call, so its classes are initialised in the snapshot.
 */
public record WebhookPriming(WebhookPayloadParser parser, WebhookSignatureVerifier signatures,
                             DynamoWebhookRecords records, ContactBindingRules rules, WebhookService service,
                             HttpApiEventCodec codec) implements Resource {

    private static final String SAMPLE_PAYLOAD = """
            {"object":"page","entry":[{"id":"100","time":1700000000100,
              "messaging":[
                {"sender":{"id":"100"},"recipient":{"id":"200"},"timestamp":1700000000000,
                 "message":{"is_echo":true,"app_id":1,"metadata":"m","mid":"mid.1","text":"caf\\u00e9 \\/",
                            "attachments":[{"type":"template","payload":{"template_type":"button","buttons":[]}}]}},
                {"sender":{"id":"200"},"recipient":{"id":"100"},"timestamp":1700000000001,
                 "referral":{"ref":"uuid=u","source":"ADS","type":"OPEN_THREAD","ad_id":"1","ads_context_data":{"ad_title":"t"}}},
                {"sender":{"id":"200"},"recipient":{"id":"100"},"timestamp":1700000000002,
                 "postback":{"payload":"p","referral":{"ref":"uuid=u","source":"SHORTLINK","type":"OPEN_THREAD"}}},
                {"sender":{"user_ref":"r"},"recipient":{"id":"100"},"timestamp":1700000000003,"optin":{"ref":"uuid=u"}},
                {"sender":{"id":"200"},"recipient":{"id":"100"},"delivery":{"mids":["mid.1"],"watermark":1700000000000}},
                {"sender":{"id":"200"},"recipient":{"id":"100"},"timestamp":1700000000004,"read":{"watermark":1700000000000}},
                {"sender":{"id":"200"},"recipient":{"id":"100"},"timestamp":1700000000005,
                 "message":{"mid":"mid.2","text":"a@b.co","quick_reply":{"payload":"a@b.co"}}},
                {"sender":{"id":"200"},"recipient":{"id":"100"},"timestamp":1700000000006,
                 "message":{"mid":"mid.3","text":"+1 650 555 0100","quick_reply":{"payload":"+1 650 555 0100"}}}],
              "standby":[{"sender":{"id":"200"},"recipient":{"id":"100"},"timestamp":1700000000007,"reaction":{}}]}]}
            """;
    private static final String PRIMING_SECRET = "checkpoint-priming-only";

    /** How many sample events were parsed (all of them, unless something is broken). */
    public int run() {
        byte[] body = SAMPLE_PAYLOAD.getBytes(StandardCharsets.UTF_8);
        if (!signatures.verify(body, signatures.sign(body, PRIMING_SECRET), PRIMING_SECRET)) {
            throw new IllegalStateException("signature priming failed");
        }
        WebhookPayload payload = parser.parse(Json.parse(body).orElseThrow());
        Instant now = Instant.now();
        for (WebhookEvent event : payload.events()) {
            event.eventKey().ifPresent(key -> records.item(event, key, now));
            rules.bindingFor(event);
        }
        route("GET", "/");
        route("PUT", WebhookService.PATH);
        return payload.events().size();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        run();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to renew: no connection was opened and no secret fetched before the checkpoint.
    }

    private void route(String method, String path) {
        ObjectNode event = Json.object();
        event.put("version", "2.0");
        event.put("rawPath", path);
        event.put("rawQueryString", "");
        event.putObject("headers").put("content-type", "application/json");
        event.putObject("requestContext").putObject("http").put("method", method).put("path", path);
        event.put("isBase64Encoded", false);
        try {
            codec.handle(new ByteArrayInputStream(Json.writeBytes(event)), OutputStream.nullOutputStream(),
                    request -> service.handle(request, Deadline.none()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
