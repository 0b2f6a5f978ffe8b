package ai.joinchat.push.send;

import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.request.TagPolicy;
import ai.joinchat.push.signature.SignatureVerifier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sample events in events/ (for sam local invoke) are signed right and valid. */
class SampleEventsTest {

    private static final String DEMO_API_SECRET = "demo-api-secret";

    @ParameterizedTest
    @ValueSource(strings = {"send-message.json", "send-message-generic.json", "message-status.json"})
    void samplesAreSignedWithTheDemoSecret(String file) throws IOException {
        HttpApiRequest request = HttpApiRequest.fromEvent(Json.parse(Files.readString(events().resolve(file))));
        String signature = request.header("x-joinchat-signature").or(() -> request.header("x_joinchat_signature")).orElseThrow();
        assertTrue(new SignatureVerifier().verify(request.body(), signature, List.of(DEMO_API_SECRET)), file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"send-message.json", "send-message-generic.json"})
    void sendSamplesAreValidRequests(String file) throws IOException {
        HttpApiRequest request = HttpApiRequest.fromEvent(Json.parse(Files.readString(events().resolve(file))));
        var result = new SendRequestValidator(TagPolicy.fromSetting("drop")).validate(Json.parse(new String(request.body(), java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(result.request().isPresent(), result.violations().toString());
    }

    private static Path events() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("events"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("events/ not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("events");
    }
}
