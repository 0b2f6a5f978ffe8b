package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.DemoCredentials;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.WebhookSignatureVerifier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A developer's backend and Facebook as seen by the HTTP API: signed POSTs over one keep-alive client. */
final class ApiClient {

    record Answer(int status, String body) {
    }

    private final URI api;
    private final DemoCredentials credentials;
    private final HttpClient http;

    ApiClient(URI api, DemoCredentials credentials) {
        this.api = api;
        this.credentials = credentials;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    DemoCredentials credentials() {
        return credentials;
    }

    Answer send(String body) {
        return signed("/api/send_message", body);
    }

    /** The accepted message's id; fails loudly on anything but 202. */
    String sendAccepted(String body) {
        Answer answer = send(body);
        if (answer.status() != 202) {
            throw new IllegalStateException("send answered " + answer.status() + ": " + answer.body());
        }
        return Json.parse(answer.body()).path("message_id").asText();
    }

    Answer status(String messageId) {
        return signed("/api/message_status",
                "{\"page_id\":\"" + credentials.pageId() + "\",\"message_id\":\"" + messageId + "\"}");
    }

    Answer signed(String path, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return exchange(HttpRequest.newBuilder(api.resolve(path))
                .header("Content-Type", "application/json")
                .header("x-joinchat-signature", new SignatureVerifier().sign(bytes, credentials.apiSecret()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    Answer webhook(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return exchange(HttpRequest.newBuilder(api.resolve("/webhook"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", new WebhookSignatureVerifier().sign(bytes, credentials.appSecret()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    /** Fails loudly unless Facebook would see 200 EVENT_RECEIVED. */
    void webhookAccepted(String body) {
        Answer answer = webhook(body);
        if (answer.status() != 200) {
            throw new IllegalStateException("webhook answered " + answer.status() + ": " + answer.body());
        }
    }

    /** The hello-world baseline's route: the per-invocation floor of the runtime. */
    Answer hello() {
        return exchange(HttpRequest.newBuilder(api.resolve("/hello")).GET());
    }

    /** A request no route declares: the send API's $default answers 404 without any I/O. */
    Answer undeclaredRoute() {
        return exchange(HttpRequest.newBuilder(api.resolve("/bench/no-such-route")).GET());
    }

    private Answer exchange(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
