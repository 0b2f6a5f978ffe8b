package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.PrimingHttpClient;
import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.FunctionBasics;
import ai.joinchat.push.config.Priming;
import ai.joinchat.push.http.HttpApiEventCodec;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * SnapStart priming of the webhook: a signed POST of a sample payload and two refused routes through
 * a service built as Lambda's on {@link FunctionBasics#prime}'s throw-away basics (no network), so
 * the SDK's request path is in the snapshot too.
 */
public record WebhookPriming(Map<String, String> environment, Clock clock) implements Priming {

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

    @Override
    public List<String> run() {
        return FunctionBasics.prime("webhook", environment, WebhookComponents.DECLARED_ENV, clock,
                DaemonThreads.idlePool("webhook-priming", WebhookComponents.THREADS), (basics, pool) -> {
                    WebhookService service = WebhookComponents.service(basics, pool, clock);
                    HttpApiEventCodec codec = new HttpApiEventCodec(basics.log());
                    byte[] body = SAMPLE_PAYLOAD.getBytes(StandardCharsets.UTF_8);
                    expect(200, codec, service, "POST", WebhookService.PATH, Json.object().put("x-hub-signature-256",
                            new WebhookSignatureVerifier().sign(body, PrimingHttpClient.SECRET)), body);
                    expect(404, codec, service, "GET", "/", Json.object(), new byte[0]);
                    expect(405, codec, service, "PUT", WebhookService.PATH, Json.object(), new byte[0]);
                });
    }

    /** An API Gateway event through {@code codec} and {@code service}, answered {@code status} (else a bug). */
    private static void expect(int status, HttpApiEventCodec codec, WebhookService service, String method, String path,
                               ObjectNode headers, byte[] body) {
        ObjectNode event = Json.object();
        event.put("version", "2.0");
        event.put("rawPath", path);
        event.put("rawQueryString", "");
        event.set("headers", headers.put("content-type", "application/json"));
        event.putObject("requestContext").putObject("http").put("method", method).put("path", path);
        event.put("body", new String(body, StandardCharsets.UTF_8));
        event.put("isBase64Encoded", false);
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        try {
            codec.handle(new ByteArrayInputStream(Json.writeBytes(event)), answer,
                    request -> service.handle(request, Deadline.none()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int answered = Json.parse(answer.toByteArray()).orElseThrow().path("statusCode").asInt();
        if (answered != status) {
            throw new IllegalStateException("the priming's " + method + " " + path + " answered " + answered);
        }
    }
}
