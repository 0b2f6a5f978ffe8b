package ai.joinchat.push.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignCommandTest {

    /** RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?"). */
    private static final String RFC_4231_HEX = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    private static final String RFC_4231_BASE64 = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(byte[] stdin, String... args) {
        return SignCommand.run(args, new ByteArrayInputStream(stdin), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    void signsDataAsBase64ForTheSendApi() {
        assertEquals(0, run(new byte[0], "--secret", "Jefe", "--data", "what do ya want for nothing?"));
        assertEquals(RFC_4231_BASE64, output());
    }

    @Test
    void signsTheExactBytesOfAFile(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("body.json");
        Files.write(file, "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, run(new byte[0], "--file", file.toString(), "--secret", "Jefe"));
        assertEquals(RFC_4231_BASE64, output());

        Files.write(file, "what do ya want for nothing?\n".getBytes(StandardCharsets.UTF_8));
        out.reset();
        run(new byte[0], "--file", file.toString(), "--secret", "Jefe");
        assertTrue(!RFC_4231_BASE64.equals(output()), "a trailing newline is part of the signed bytes");
    }

    @Test
    void timestampPrintsBothHeadersOfTheTimestampedForm() {
        java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.ofEpochSecond(1764547200L), java.time.ZoneOffset.UTC);
        String body = "{\"page_id\":12345,\"recipient\":{\"id\":\"123456\"},\"message\":{\"template_type\":\"text\","
                + "\"text\":\"Hello World\"},\"tag\":\"ACCOUNT_UPDATE\",\"delay\":1}";
        int status = SignCommand.run(new String[] {"--timestamp", "--secret", "xxxxx", "--data", body},
                new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), clock);
        assertEquals(0, status);
        // printf '%s' '1764547200.<body>' | openssl dgst -sha256 -hmac 'xxxxx' -binary | base64
        assertEquals("x-joinchat-timestamp: 1764547200\nx-joinchat-signature: UavC/gt6p4jPoVLu0Ujvp+roIOvQgMsipE7M1T9PiQA=",
                output().replace("\r\n", "\n"));
    }

    @Test
    void timestampAndWebhookDoNotMix() {
        assertEquals(2, run(new byte[0], "--timestamp", "--webhook", "--secret", "s", "--data", "x"));
    }

    @Test
    void signsStandardInputInWebhookForm() {
        assertEquals(0, run("what do ya want for nothing?".getBytes(StandardCharsets.UTF_8), "--webhook", "--secret", "Jefe"));
        assertEquals("sha256=" + RFC_4231_HEX, output());
    }

    @Test
    void printsASignedRefAndItsMeLink() {
        // Expected values computed independently (Python hmac/base64/urllib) for key "Jefe".
        assertEquals(0, run(new byte[0], "--ref", "--page", "1234567890", "--uuid", "user-42", "--secret", "Jefe"));
        assertEquals("uuid=user-42;sig=vBf88hCplyw3KOLTRoOt4RYdvPxwLIipOKJzKT0esMY\n"
                        + "https://m.me/1234567890?ref=uuid%3Duser-42%3Bsig%3DvBf88hCplyw3KOLTRoOt4RYdvPxwLIipOKJzKT0esMY",
                output().replace("\r\n", "\n"));
    }

    @Test
    void aRefNeedsAPageAndAUuid() {
        assertEquals(2, run(new byte[0], "--ref", "--uuid", "user-42", "--secret", "Jefe"));
        assertEquals(2, run(new byte[0], "--ref", "--page", "12ab", "--uuid", "user-42", "--secret", "Jefe"));
        assertEquals(2, run(new byte[0], "--ref", "--page", "1234567890", "--secret", "Jefe"));
        assertEquals("", output());
    }

    @Test
    void explainsMistakes() {
        assertEquals(2, run(new byte[0], "--data", "x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--secret is required"));
        assertEquals(2, run(new byte[0], "--secret"));
        assertEquals(2, run(new byte[0], "--secret", "s", "--bogus"));
    }

    // The Standard Webhooks specification's published example.
    private static final String WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final String SPEC_BODY = "{\"test\": 2432232314}";
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private int runAt(long epochSecond, String... args) {
        return SignCommand.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                java.time.Clock.fixed(java.time.Instant.ofEpochSecond(epochSecond), java.time.ZoneOffset.UTC));
    }

    @Test
    void callbackPrintsTheThreeStandardWebhooksHeaders(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("event.json");
        Files.write(file, SPEC_BODY.getBytes(StandardCharsets.UTF_8));
        assertEquals(0, runAt(1_700_000_000L, "--callback", "--secret", WHSEC, "--id", SPEC_ID, "--timestamp", "1614265330",
                "--file", file.toString()));
        assertEquals("webhook-id: " + SPEC_ID + "\nwebhook-timestamp: 1614265330\nwebhook-signature: " + SPEC_SIGNATURE,
                output().replace("\r\n", "\n"));

        out.reset();
        assertEquals(0, runAt(1_614_265_400L, "--callback", "--secret", WHSEC, "--id", SPEC_ID, "--data", SPEC_BODY));
        assertTrue(output().contains("webhook-timestamp: 1614265400\n"), "the timestamp defaults to now: " + output());
    }

    @Test
    void verifyCallbackAcceptsAValidSignatureAndRefusesTamperingWrongSecretsAndStaleTimes() {
        String[] valid = {"--verify-callback", "--secret", WHSEC, "--id", SPEC_ID, "--timestamp", "1614265330",
                "--signature", "v1,bm90LXRoaXMtb25l " + SPEC_SIGNATURE, "--data", SPEC_BODY};
        assertEquals(0, runAt(1_614_265_330L + 299, valid), err.toString(StandardCharsets.UTF_8));
        assertEquals("valid", output());

        assertEquals(1, runAt(1_614_265_330L + 301, valid), "more than 5 minutes late");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("5 minutes"));
        assertEquals(1, runAt(1_614_265_330L - 301, valid), "more than 5 minutes early");
        String[] tampered = valid.clone();
        tampered[tampered.length - 1] = "{\"test\": 2432232315}";
        assertEquals(1, runAt(1_614_265_330L, tampered));
        String[] otherId = valid.clone();
        otherId[4] = "msg_other";
        assertEquals(1, runAt(1_614_265_330L, otherId));
        String[] otherSecret = valid.clone();
        otherSecret[2] = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]);
        assertEquals(1, runAt(1_614_265_330L, otherSecret));
    }

    @Test
    void callbackModesExplainMistakes() {
        assertEquals(2, runAt(0, "--callback", "--secret", "not-whsec", "--id", "msg_1", "--data", "x"));
        assertEquals(2, runAt(0, "--callback", "--secret", WHSEC, "--data", "x"), "no --id");
        assertEquals(2, runAt(0, "--verify-callback", "--secret", WHSEC, "--id", "msg_1", "--data", "x"),
                "no --timestamp or --signature");
        assertEquals(2, runAt(0, "--timestamp", "1614265330", "--secret", "s", "--data", "x"),
                "a timestamp value belongs to the callback modes");
        assertEquals("", output());
    }
}
