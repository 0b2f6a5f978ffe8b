package ai.joinchat.push.signature;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Known answers computed with {@code printf '%s' TOKEN | openssl dgst -sha256 -hmac SECRET}.
 */
class AppSecretProofTest {

    @Test
    void matchesOpensslForPageToken() {
        // printf '%s' 'test-page-token-not-real-0123' | openssl dgst -sha256 -hmac 'app-secret-0123456789abcdef'
        assertEquals("4154216bb7b569a08af81258c29a22655932d16296524252a0bbfd923037584f",
                Sha256.appSecretProof("test-page-token-not-real-0123", "app-secret-0123456789abcdef"));
    }

    @Test
    void matchesOpensslForShortValues() {
        // printf '%s' 'token' | openssl dgst -sha256 -hmac 'secret'
        assertEquals("e941110e3d2bfe82621f0e3e1434730d7305d106c5f68c87165d0b27a4611a4a",
                Sha256.appSecretProof("token", "secret"));
    }

    @Test
    void usesUtf8ForKeyAndData() {
        // printf '%s' 'jetón-ü' | openssl dgst -sha256 -hmac 'sécret'   (UTF-8 shell)
        assertEquals("18de1ca9b26adb3cd2251b6b0b202dde0524ad3020bb9deb00437bfb0f8f848f",
                Sha256.appSecretProof("jetón-ü", "sécret"));
    }

    @Test
    void rejectsMissingInputs() {
        assertThrows(NullPointerException.class, () -> Sha256.appSecretProof(null, "s"));
        assertThrows(NullPointerException.class, () -> Sha256.appSecretProof("t", null));
        assertThrows(IllegalArgumentException.class, () -> Sha256.appSecretProof("t", ""));
    }
}
