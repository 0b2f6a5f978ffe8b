package ai.joinchat.push.signature;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignedRefTest {

    /** HMAC-SHA256("Jefe", "1234567890:user-42"), base64url without padding, computed independently (Python). */
    private static final String SIGNATURE = "vBf88hCplyw3KOLTRoOt4RYdvPxwLIipOKJzKT0esMY";

    @Test
    void signsPageColonUuidAsBase64UrlWithoutPadding() {
        assertEquals("uuid=user-42;sig=" + SIGNATURE, SignedRef.signedRef("1234567890", "user-42", "Jefe"));
    }

    @Test
    void parsesUnsignedAndSignedRefs() {
        assertEquals(Optional.of(new SignedRef("user-42", null)), SignedRef.parse("uuid=user-42"));
        assertEquals(Optional.of(new SignedRef("a;sig=b", SIGNATURE)), SignedRef.parse("uuid=a;sig=b;sig=" + SIGNATURE));
        assertEquals(Optional.empty(), SignedRef.parse("summer-sale"));
        assertEquals(Optional.empty(), SignedRef.parse(null));
    }

    @Test
    void verifiesWithAnyAcceptedKeyAndRefusesEverythingElse() {
        SignedRef ref = SignedRef.parse("uuid=user-42;sig=" + SIGNATURE).orElseThrow();
        assertTrue(ref.verify("1234567890", List.of("Jefe")));
        assertTrue(ref.verify("1234567890", List.of("current", "Jefe")), "the previous key during rotation");
        assertTrue(SignedRef.parse("uuid=user-42;sig=" + SIGNATURE + "=").orElseThrow().verify("1234567890", List.of("Jefe")),
                "padding tolerated");
        assertFalse(ref.verify("1234567891", List.of("Jefe")), "another page");
        assertFalse(ref.verify("1234567890", List.of("other")), "another key");
        assertFalse(ref.verify("1234567890", List.of()), "no key");
        assertFalse(new SignedRef("user-42", null).verify("1234567890", List.of("Jefe")), "unsigned");
        for (String bad : List.of("", "x", "!!!!" + SIGNATURE.substring(4), SIGNATURE.substring(1), SIGNATURE + "AAAA")) {
            assertFalse(new SignedRef("user-42", bad).verify("1234567890", List.of("Jefe")), bad);
        }
    }
}
