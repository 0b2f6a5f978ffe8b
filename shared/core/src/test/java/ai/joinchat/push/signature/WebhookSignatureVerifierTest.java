package ai.joinchat.push.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookSignatureVerifierTest {

    private static final String APP_SECRET = "app-secret-123";
    private static final byte[] BODY = "{\"object\":\"page\",\"entry\":[]}".getBytes(StandardCharsets.UTF_8);

    /** printf '%s' '{"object":"page","entry":[]}' | openssl dgst -sha256 -hmac 'app-secret-123' */
    private static final String EXPECTED_HEX = "045d425314376ceef02357beda9d40971b523021cc4baad4e55bde33d2691f03";

    private final WebhookSignatureVerifier verifier = new WebhookSignatureVerifier();

    @Test
    void knownAnswerVectorMatchesOpenssl() {
        assertEquals("sha256=" + EXPECTED_HEX, verifier.sign(BODY, APP_SECRET));
        assertTrue(verifier.verify(BODY, "sha256=" + EXPECTED_HEX, APP_SECRET));
    }

    @Test
    void upperCaseHexIsAccepted() {
        assertTrue(verifier.verify(BODY, "sha256=" + EXPECTED_HEX.toUpperCase(Locale.ROOT), APP_SECRET));
    }

    @Test
    void missingPrefixIsRejected() {
        assertFalse(verifier.verify(BODY, EXPECTED_HEX, APP_SECRET));
        assertFalse(verifier.verify(BODY, "sha1=" + EXPECTED_HEX, APP_SECRET));
    }

    @Test
    void wrongLengthIsRejected() {
        assertFalse(verifier.verify(BODY, "sha256=" + EXPECTED_HEX.substring(2), APP_SECRET));
        assertFalse(verifier.verify(BODY, "sha256=" + EXPECTED_HEX + "00", APP_SECRET));
    }

    @Test
    void wrongSecretOrChangedBodyIsRejected() {
        assertFalse(verifier.verify(BODY, "sha256=" + EXPECTED_HEX, "other-secret"));
        byte[] changed = "{\"object\":\"page\",\"entry\":[ ]}".getBytes(StandardCharsets.UTF_8);
        assertFalse(verifier.verify(changed, "sha256=" + EXPECTED_HEX, APP_SECRET));
    }

    @Test
    void flippedHexDigitIsRejected() {
        String flipped = EXPECTED_HEX.substring(0, 63) + (EXPECTED_HEX.charAt(63) == '3' ? '2' : '3');
        assertFalse(verifier.verify(BODY, "sha256=" + flipped, APP_SECRET));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "sha256=", "sha256=zz5d425314376ceef02357beda9d40971b523021cc4baad4e55bde33d2691f03"})
    void emptyOrNonHexHeaderIsRejected(String header) {
        assertFalse(verifier.verify(BODY, header, APP_SECRET));
    }

    @Test
    void constantTimeEqualsComparesExactly() {
        assertTrue(WebhookSignatureVerifier.constantTimeEquals("verify-token", "verify-token"));
        assertTrue(WebhookSignatureVerifier.constantTimeEquals("tökén", "tökén"));
        assertFalse(WebhookSignatureVerifier.constantTimeEquals("verify-token", "verify-tokem"));
        assertFalse(WebhookSignatureVerifier.constantTimeEquals("verify-token", "verify-token "));
        assertFalse(WebhookSignatureVerifier.constantTimeEquals("verify-token", ""));
        assertFalse(WebhookSignatureVerifier.constantTimeEquals(null, "verify-token"));
        assertFalse(WebhookSignatureVerifier.constantTimeEquals(null, null));
    }
}
