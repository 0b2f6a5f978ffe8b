package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.PrimingHttpClient;
import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.FunctionBasics;
import ai.joinchat.push.config.Priming;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.signature.SignatureVerifier;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SnapStart priming of the send API: a signed send and a status read through a throw-away service
 * built as Lambda's is, whose AWS clients {@link PrimingHttpClient} answers from memory, so the
 * SDK's request path (marshalling, signing, the pipeline, unmarshalling) is in the snapshot too.
 * No network, and nothing of the service that answers invocations is touched.
 */
public record SendApiPriming(Map<String, String> environment, Clock clock) implements Priming {

    private static final String SAMPLE = "{\"page_id\":\"1\",\"recipient\":{\"phone\":\"+1 555 0100 200\"},"
            + "\"message\":{\"template_type\":\"generic\",\"elements\":[{\"title\":\"t\",\"subtitle\":\"s\","
            + "\"buttons\":[{\"type\":\"postback\",\"title\":\"b\",\"payload\":{\"block_id\":\"1\"}}]}],"
            + "\"quick_replies\":[{\"content_type\":\"user_email\"}]},\"tag\":\"ACCOUNT_UPDATE\",\"delay\":\"1\"}";

    @Override
    public List<String> run() {
        return FunctionBasics.prime("send-api", environment, SendApiComponents.DECLARED_ENV, clock,
                DaemonThreads.fixedPool("send-priming", SendApiComponents.ENQUEUE_THREADS), (basics, enqueue) -> {
                    SendApiService service = SendApiComponents.service(basics, enqueue, clock);
                    Instant now = clock.instant();
                    expect(202, service, SendApiService.SEND_PATH, SAMPLE, Optional.empty(), now);
                    expect(202, service, SendApiService.SEND_PATH, SAMPLE, Optional.of(now.getEpochSecond()), now);
                    expect(404, service, SendApiService.STATUS_PATH, "{\"page_id\":\"1\",\"message_id\":\"m\"}",
                            Optional.empty(), now);
                });
    }

    private static void expect(int status, SendApiService service, String path, String body,
                               Optional<Long> timestamp, Instant now) {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        SignatureVerifier signer = new SignatureVerifier();
        Map<String, String> headers = new HashMap<>(Map.of("x-joinchat-signature", timestamp
                .map(t -> signer.signTimestamped(raw, t, PrimingHttpClient.SECRET))
                .orElseGet(() -> signer.sign(raw, PrimingHttpClient.SECRET))));
        timestamp.ifPresent(t -> headers.put(SignedRequestAuthenticator.TIMESTAMP_HEADER, t.toString()));
        int answered = service.handle(new HttpApiRequest("POST", path, headers, Map.of(), raw), Deadline.none(),
                now.plus(SendApiService.DEFAULT_INVOCATION)).statusCode();
        if (answered != status) {
            throw new IllegalStateException("the priming's " + path + " answered " + answered + ", not " + status);
        }
    }
}
