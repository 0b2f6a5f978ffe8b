package ai.joinchat.push.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignatureVerifierTest {

    private static final String SECRET = "xxxxx";

    /** The seed's PHP example: json_encode escapes non-ASCII as \\uXXXX and "/" as "\/". */
    private static final String PHP_BODY = "{\"page_id\":12345,\"recipient\":{\"id\":\"123456\"},"
            + "\"message\":{\"template_type\":\"text\",\"text\":\"\\u4f60\\u597d \\/ hello\"}}";

    /**
     * Computed independently:
     * printf '%s' '<PHP_BODY>' | openssl dgst -sha256 -hmac 'xxxxx' -binary | base64
     */
    private static final String PHP_BODY_SIGNATURE = "jpXewpNTtMMH+otvram2cgriJ4u3OAnpJgkkUCkEA6I=";

    /** The seed 000 example request body. */
    private static final String SEED_BODY = "{\"page_id\":12345,\"recipient\":{\"id\":\"123456\"},"
            + "\"message\":{\"template_type\":\"text\",\"text\":\"Hello World\"},\"tag\":\"ACCOUNT_UPDATE\",\"delay\":1}";

    /** printf '%s' '<SEED_BODY>' | openssl dgst -sha256 -hmac 'xxxxx' -binary | base64 */
    private static final String SEED_BODY_SIGNATURE = "pjxfCwQlwtXvvMRKAPy5T16qFq9qBYc3CEWjI45M3mo=";

    /** The same message with raw UTF-8 characters (你好) and an unescaped slash. */
    private static final String UTF8_BODY = "{\"page_id\":12345,\"recipient\":{\"id\":\"123456\"},"
            + "\"message\":{\"template_type\":\"text\",\"text\":\"\u4f60\u597d / hello\"}}";

    /** printf '%s' '<UTF8_BODY>' | openssl dgst -sha256 -hmac 'xxxxx' -binary | base64 (UTF-8 terminal) */
    private static final String UTF8_BODY_SIGNATURE = "lGRBATYo1AqLO4mQx6cbwcTA5GxzaCXlOnkbNVFKPfA=";

    private final SignatureVerifier verifier = new SignatureVerifier();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void knownAnswerVectorsMatchOpenssl() {
        assertEquals(PHP_BODY_SIGNATURE, verifier.sign(bytes(PHP_BODY), SECRET));
        assertEquals(SEED_BODY_SIGNATURE, verifier.sign(bytes(SEED_BODY), SECRET));
        assertEquals(UTF8_BODY_SIGNATURE, verifier.sign(bytes(UTF8_BODY), SECRET));
    }

    @Test
    void roundTrip() {
        byte[] body = bytes("{\"page_id\":\"1\"}");
        String signature = verifier.sign(body, "s3cr3t");
        assertTrue(verifier.verify(body, signature, List.of("s3cr3t")));
    }

    @Test
    void phpStyleBodyVerifiesOverItsExactBytes() {
        assertTrue(verifier.verify(bytes(PHP_BODY), PHP_BODY_SIGNATURE, List.of(SECRET)));
    }

    @Test
    void reserialisedJsonDoesNotVerifyAgainstThePhpSignature() throws Exception {
        JsonNode parsed = new ObjectMapper().readTree(PHP_BODY);
        String reserialised = new ObjectMapper().writeValueAsString(parsed);
        // Same JSON value, different bytes: raw UTF-8 characters and an unescaped slash.
        assertEquals(UTF8_BODY, reserialised);
        assertNotEquals(PHP_BODY, reserialised);
        assertFalse(verifier.verify(bytes(reserialised), PHP_BODY_SIGNATURE, List.of(SECRET)));
    }

    @Test
    void rawUtf8BodyVerifies() {
        byte[] body = bytes(UTF8_BODY);
        assertTrue(body.length > UTF8_BODY.length(), "Chinese characters take several UTF-8 bytes");
        assertTrue(verifier.verify(body, UTF8_BODY_SIGNATURE, List.of(SECRET)));
    }

    @Test
    void standardUrlSafeAndUnpaddedEncodingsAreAccepted() {
        // Find a body whose MAC contains both '+' and '/' in standard Base64, so the URL-safe form differs.
        byte[] body = null;
        String standard = null;
        for (int i = 0; i < 10_000; i++) {
            byte[] candidate = bytes("{\"n\":" + i + "}");
            String signature = verifier.sign(candidate, SECRET);
            if (signature.contains("+") && signature.contains("/")) {
                body = candidate;
                standard = signature;
                break;
            }
        }
        assertTrue(standard != null && standard.endsWith("="), "a 32-byte MAC has one padding character");
        String urlSafe = standard.replace('+', '-').replace('/', '_');
        String unpadded = standard.substring(0, standard.length() - 1);
        String urlSafeUnpadded = urlSafe.substring(0, urlSafe.length() - 1);
        List<String> secrets = List.of(SECRET);
        assertTrue(verifier.verify(body, standard, secrets));
        assertTrue(verifier.verify(body, urlSafe, secrets));
        assertTrue(verifier.verify(body, unpadded, secrets));
        assertTrue(verifier.verify(body, urlSafeUnpadded, secrets));
        assertTrue(verifier.verify(body, "  " + standard + "\n", secrets));
    }

    @Test
    void oneFlippedBitInTheSignatureIsRejected() {
        byte[] body = bytes(SEED_BODY);
        byte[] mac = Base64.getDecoder().decode(SEED_BODY_SIGNATURE);
        for (int bit = 0; bit < mac.length * 8; bit += 37) {
            byte[] flipped = mac.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            String signature = Base64.getEncoder().encodeToString(flipped);
            assertFalse(verifier.verify(body, signature, List.of(SECRET)), "bit " + bit);
        }
    }

    @Test
    void oneFlippedBitInTheBodyIsRejected() {
        byte[] body = bytes(SEED_BODY);
        body[body.length - 2] ^= 1;
        assertFalse(verifier.verify(body, SEED_BODY_SIGNATURE, List.of(SECRET)));
    }

    @Test
    void wrongSecretIsRejected() {
        assertFalse(verifier.verify(bytes(SEED_BODY), SEED_BODY_SIGNATURE, List.of("yyyyy")));
        assertFalse(verifier.verify(bytes(SEED_BODY), SEED_BODY_SIGNATURE, List.of()));
    }

    @Test
    void previousSecretIsAcceptedDuringRotation() {
        List<String> currentThenPrevious = Arrays.asList("new-secret", SECRET);
        assertTrue(verifier.verify(bytes(SEED_BODY), SEED_BODY_SIGNATURE, currentThenPrevious));
        assertTrue(verifier.verify(bytes(SEED_BODY), verifier.sign(bytes(SEED_BODY), "new-secret"),
                currentThenPrevious));
    }

    @Test
    void nullAndEmptyCandidatesAreSkipped() {
        List<String> secrets = Arrays.asList(null, "", SECRET);
        assertTrue(verifier.verify(bytes(SEED_BODY), SEED_BODY_SIGNATURE, secrets));
        assertFalse(verifier.verify(bytes(SEED_BODY), SEED_BODY_SIGNATURE, Arrays.asList(null, "")));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "not base64!", "====", "abc", "pjxfCwQlwtXvvMRKAPy5T16q",
            "pjxfCwQlwtXvvMRKAPy5T16qFq9qBYc3CEWjI45M3mo=pjxf", "pjxfCwQl wtXvvMRKAPy5T16qFq9qBYc3CEWjI45M3mo=",
            "sha256=pjxfCwQlwtXvvMRKAPy5T16qFq9qBYc3CEWjI45M3mo="})
    void emptyOrGarbageHeaderIsFalse(String header) {
        assertFalse(verifier.verify(bytes(SEED_BODY), header, List.of(SECRET)));
    }

    // ---- timestamped form ----------------------------------------------------------------------

    private static final long TS = 1764547200L;
    private static final java.time.Instant AT_TS = java.time.Instant.ofEpochSecond(TS);

    /** printf '%s' '1764547200.<SEED_BODY>' | openssl dgst -sha256 -hmac 'xxxxx' -binary | base64 */
    private static final String SEED_TIMESTAMPED_SIGNATURE = "UavC/gt6p4jPoVLu0Ujvp+roIOvQgMsipE7M1T9PiQA=";

    @Test
    void timestampedSignatureMatchesAnIndependentlyComputedVector() {
        assertEquals(SEED_TIMESTAMPED_SIGNATURE, verifier.signTimestamped(bytes(SEED_BODY), TS, SECRET));
        assertTrue(verifier.verifyTimestamped(bytes(SEED_BODY), "1764547200", SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS));
    }

    @Test
    void timestampedSignatureIsValidWithin300SecondsEitherWayAndNotBeyond() {
        assertTrue(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS.plusSeconds(300)));
        assertTrue(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS.minusSeconds(300)));
        assertFalse(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS.plusSeconds(301)));
        assertFalse(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS.minusSeconds(301)));
        assertFalse(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS.plusSeconds(900)), "15 minutes old");
    }

    @Test
    void aBodyOnlySignatureDoesNotCoverATimestamp() {
        assertFalse(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), SEED_BODY_SIGNATURE,
                List.of(SECRET), AT_TS));
        assertFalse(verifier.verify(bytes(SEED_BODY), SEED_TIMESTAMPED_SIGNATURE, List.of(SECRET)),
                "and a timestamped signature is not a body signature");
    }

    @Test
    void theSignatureCoversTheTimestamp() {
        String other = Long.toString(TS + 1);
        assertFalse(verifier.verifyTimestamped(bytes(SEED_BODY), other, SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS));
    }

    @Test
    void previousSecretAndUrlSafeSpellingWorkInTheTimestampedForm() {
        String old = verifier.signTimestamped(bytes(SEED_BODY), TS, "old-secret");
        assertTrue(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), old,
                List.of(SECRET, "old-secret"), AT_TS));
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(Base64.getDecoder().decode(old));
        assertTrue(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), urlSafe,
                List.of(SECRET, "old-secret"), AT_TS));
        assertFalse(verifier.verifyTimestamped(bytes(SEED_BODY), Long.toString(TS), old, List.of(SECRET), AT_TS));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "-1764547200", "+1764547200", "1764547200.0", "1.7645472E9", "0x692D7E80",
            "17645472000000000000", "1764547200a", "١٧٦٤٥٤٧٢٠٠"})
    void timestampsThatAreNotUnixSecondsAreFalse(String timestamp) {
        assertFalse(verifier.verifyTimestamped(bytes(SEED_BODY), timestamp, SEED_TIMESTAMPED_SIGNATURE,
                List.of(SECRET), AT_TS));
    }

    @Test
    void signatureBytesAreTheSameForEverySpelling() {
        byte[] standard = SignatureVerifier.signatureBytes(SEED_TIMESTAMPED_SIGNATURE).orElseThrow();
        byte[] urlSafe = SignatureVerifier.signatureBytes(SEED_TIMESTAMPED_SIGNATURE.replace('+', '-')
                .replace('/', '_').replace("=", "")).orElseThrow();
        assertTrue(Arrays.equals(standard, urlSafe));
        assertTrue(SignatureVerifier.signatureBytes("not base64!").isEmpty());
    }
}
