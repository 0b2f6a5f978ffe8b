package ai.joinchat.push.tools;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.Console;
import ai.joinchat.push.local.HttpApiGateway;
import ai.joinchat.push.local.InvocableFunction;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.signature.CallbackSignature;
import ai.joinchat.push.signature.SignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pages} end to end: the command against the local Secrets Manager endpoint (reached the way
 * bin/pages reaches it, through AWS_ENDPOINT_URL_SECRETS_MANAGER), and the real send API handler
 * behind local mode's HTTP API gateway reading the same secrets: the printed key is the one that
 * works, rotation accepts both keys until it is finished, and every secret stays valid JSON.
 */
@ExtendWith(LocalAwsExtension.class)
class PagesCommandTest {

    private static final String TOKEN = "EAAG-page-token-never-printed";
    private static final Pattern PRINTED = Pattern.compile("(api_secret|callback_secret): ((?:whsec_)?[A-Za-z0-9_+/=-]{43,44})\\n");

    private final LocalAws aws;
    private final HttpClient http = HttpClient.newHttpClient();
    private String pageId;
    private String prefix;
    private HttpApiGateway gateway;
    private SecretsManagerClient client;
    private String printed;

    PagesCommandTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeEach
    void start() {
        pageId = Long.toString(8_000_000_000L + System.nanoTime() % 1_000_000_000L);
        Map<String, String> environment = new HashMap<>(aws.functionEnvironment("SendApiFunction"));
        environment.put("SECRET_CACHE_TTL_SECONDS", "0"); // each request reads the secret as the command left it
        prefix = environment.get("PAGE_SECRET_PREFIX");
        SendApiHandler handler = new SendApiHandler(SendApiComponents.create(environment, Clock.systemUTC()));
        InvocableFunction sendApi = new InvocableFunction() {
            @Override
            public String name() {
                return "send-api";
            }

            @Override
            public CompletableFuture<byte[]> invoke(byte[] event) {
                ByteArrayOutputStream response = new ByteArrayOutputStream();
                try {
                    handler.handleRequest(new ByteArrayInputStream(event), response, null);
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
                return CompletableFuture.completedFuture(response.toByteArray());
            }
        };
        gateway = HttpApiGateway.start(0, List.of(new HttpApiGateway.Route("ANY", "/api/send_message", sendApi)),
                new Console(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false));
        // Only the endpoint, as an operator sets it for local mode: region and keys are the command's local defaults.
        Map<String, String> operator = PagesCommand.clientEnvironment(Map.of("AWS_ENDPOINT_URL_SECRETS_MANAGER",
                aws.backends().secretsManagerEndpoint().toString()));
        client = new AwsClientFactory(operator).secretsManager();
    }

    @AfterEach
    void stop() {
        gateway.close();
        client.close();
    }

    @Test
    void addThenSendWithThePrintedKeyRotateAcceptsBothFinishOnlyTheNewOne() throws Exception {
        assertEquals(0, run("add", pageId), printed);
        String first = printedSecret("api_secret");
        assertFalse(printed.contains(TOKEN), "the token is never printed");
        assertEquals(202, send(first));
        assertEquals(401, send("not-the-key"));
        assertEquals(1, run("add", pageId), "a page is added once: " + printed);

        assertEquals(0, run("rotate", pageId), printed);
        String second = printedSecret("api_secret");
        assertNotEquals(first, second);
        assertEquals(202, send(first), "the previous key works during the rotation");
        assertEquals(202, send(second));
        assertEquals(1, run("rotate", pageId), "no second rotation before the first is finished: " + printed);
        assertEquals(202, send(first), "a refused rotation changed nothing");

        assertEquals(0, run("finish-rotation", pageId), printed);
        assertEquals(401, send(first), "only the new key works once the rotation is finished");
        assertEquals(202, send(second));

        JsonNode secret = storedSecret();
        assertEquals(second, secret.get("api_secret").asText());
        assertEquals(TOKEN, secret.get("page_access_token").asText());
        assertFalse(secret.has("previous_api_secret"));
    }

    @Test
    void setStoresTheSettingsReadBackByShowAndListWithoutASecret() throws Exception {
        assertEquals(0, run("add", pageId), printed);
        String apiSecret = printedSecret("api_secret");
        assertEquals(0, run("set", pageId, "require_timestamp=true", "unsigned_refs=never",
                "callback_url=https://crm.example.com/hooks/push"), printed);
        assertEquals(0, run("rotate-callback-secret", pageId), printed);
        String callbackSecret = printedSecret("callback_secret");
        assertTrue(CallbackSignature.key(callbackSecret).isPresent(), "a Standard Webhooks whsec_ secret: " + callbackSecret);

        JsonNode secret = storedSecret();
        assertTrue(secret.get("require_timestamp").isBoolean() && secret.get("require_timestamp").asBoolean());
        assertEquals("never", secret.get("unsigned_refs").asText());
        assertEquals("https://crm.example.com/hooks/push", secret.get("callback_url").asText());
        assertEquals(callbackSecret, secret.get("callback_secret").asText());
        assertEquals(apiSecret, secret.get("api_secret").asText(), "settings leave the keys alone");
        assertEquals(401, send(apiSecret), "require_timestamp refuses the classic signature");

        assertEquals(0, run("show", pageId), printed);
        assertEquals(pageId + "  rotating=false  require_timestamp=true  unsigned_refs=never"
                + "  callback_url=https://crm.example.com/hooks/push  callback_secret=set\n", printed);
        assertEquals(0, run("list"), printed);
        assertTrue(printed.contains(pageId + "  rotating=false  require_timestamp=true"), printed);
        for (String secretValue : List.of(apiSecret, callbackSecret, TOKEN)) {
            assertFalse(printed.contains(secretValue), "list prints no secret");
        }

        assertEquals(2, run("set", pageId, "unsigned_refs=sometimes"), "an invalid value is refused");
        assertEquals(2, run("set", pageId, "api_secret=chosen"), "keys are never set by hand");
        assertEquals(2, run("set", pageId, "callback_url=http://plain.example.com"), "callbacks go to https only");
        assertEquals("never", storedSecret().get("unsigned_refs").asText(), "a refused set writes nothing");
        assertEquals(0, run("set", pageId, "callback_url="), printed);
        assertFalse(storedSecret().has("callback_url"), "an empty value removes the setting");
    }

    @Test
    void rotatingTheCallbackSecretKeepsThePreviousOneSigningUntilFinished() throws Exception {
        assertEquals(0, run("add", pageId), printed);
        assertEquals(0, run("rotate-callback-secret", pageId), printed);
        String first = printedSecret("callback_secret");
        assertFalse(storedSecret().has("previous_callback_secret"), "a first callback_secret has nothing to keep");

        assertEquals(0, run("rotate-callback-secret", pageId), printed);
        String second = printedSecret("callback_secret");
        assertNotEquals(first, second);
        assertTrue(CallbackSignature.key(second).isPresent(), second);
        assertEquals(first, storedSecret().get("previous_callback_secret").asText(), "the old key still signs");
        assertEquals(second, storedSecret().get("callback_secret").asText());
        assertEquals(1, run("rotate-callback-secret", pageId), "no second rotation before the first is finished");
        assertEquals(second, storedSecret().get("callback_secret").asText(), "a refused rotation writes nothing");

        assertEquals(0, run("finish-callback-rotation", pageId), printed);
        assertFalse(storedSecret().has("previous_callback_secret"));
        assertEquals(second, storedSecret().get("callback_secret").asText());
        assertEquals(0, run("finish-callback-rotation", pageId), "nothing to finish is not an error: " + printed);
    }

    @Test
    void theTokenComesFromAFileOrStdinNeverAnArgumentAndRemoveNeedsConfirmation(@TempDir Path directory) throws Exception {
        Path tokenFile = Files.writeString(directory.resolve("token"), TOKEN + "\n");
        assertEquals(2, run("add", pageId, "--token", TOKEN), "no token on the command line");
        assertEquals(0, run("add", pageId, "--token-file", tokenFile.toString()), printed);
        assertEquals(TOKEN, storedSecret().get("page_access_token").asText(), "the file's trailing newline is not kept");
        String apiSecret = printedSecret("api_secret");

        assertEquals(2, run("remove", pageId), "remove asks for --yes");
        assertEquals(202, send(apiSecret));
        assertEquals(0, run("remove", pageId, "--yes"), printed);
        assertEquals(401, send(apiSecret), "a removed page is unknown");
        assertEquals(1, run("rotate", pageId), "no such page any more");
        assertEquals(1, run("remove", pageId, "--yes"));
    }

    @Test
    void aSecretThatIsNotJsonIsReportedAndLeftAlone() {
        aws.secretsManager().createSecret(b -> b.name(prefix + pageId).secretString("api_secret=hand-written"));
        assertEquals(3, run("rotate", pageId), printed);
        assertEquals("api_secret=hand-written",
                aws.secretsManager().getSecretValue(b -> b.secretId(prefix + pageId)).secretString());
    }

    private int run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new PagesCommand(client, prefix, new ByteArrayInputStream((TOKEN + "\n").getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
        printed = out.toString(StandardCharsets.UTF_8);
        String errors = err.toString(StandardCharsets.UTF_8);
        assertFalse(errors.contains(TOKEN), "the token is never printed: " + errors);
        printed += errors.isEmpty() ? "" : errors;
        return status;
    }

    private String printedSecret(String field) {
        Matcher matcher = PRINTED.matcher(printed);
        assertTrue(matcher.find() && matcher.group(1).equals(field), "one " + field + " printed: " + printed);
        String value = matcher.group(2);
        assertFalse(matcher.find(), "printed once: " + printed);
        return value;
    }

    /** The stored secret, which must be a JSON object. */
    private JsonNode storedSecret() {
        String value = aws.secretsManager().getSecretValue(b -> b.secretId(prefix + pageId)).secretString();
        Optional<JsonNode> parsed = Json.parse(value.getBytes(StandardCharsets.UTF_8)).filter(JsonNode::isObject);
        assertTrue(parsed.isPresent(), "the secret stays a JSON object");
        return parsed.get();
    }

    private int send(String apiSecret) throws Exception {
        byte[] body = ("{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"123456\"},\"message\":{\"template_type\":\"text\",\"text\":\"hi\"}}")
                .getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.baseUri() + "/api/send_message"))
                .header("content-type", "application/json")
                .header("x-joinchat-signature", new SignatureVerifier().sign(body, apiSecret))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
