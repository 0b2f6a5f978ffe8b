package ai.joinchat.push.signature;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallbackSignatureTest {

    // The Standard Webhooks specification's published example.
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TS = 1614265330L;
    private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);

    @Test
    void matchesTheSpecificationsExample() {
        byte[] key = CallbackSignature.key(SECRET).orElseThrow();
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                CallbackSignature.header(ID, TS, BODY, List.of(key)));
    }

    @Test
    void verifiesEitherSignatureOfARotationAndRefusesTamperingAndStaleTimes() {
        byte[] current = CallbackSignature.key(SECRET).orElseThrow();
        byte[] previous = CallbackSignature.key("whsec_" + java.util.Base64.getEncoder()
                .encodeToString("another-key-of-32-bytes-length!!".getBytes(StandardCharsets.UTF_8))).orElseThrow();
        String header = CallbackSignature.header(ID, TS, BODY, List.of(current, previous));
        Instant now = Instant.ofEpochSecond(TS + 60);
        assertTrue(CallbackSignature.verify(ID, Long.toString(TS), BODY, header, current, now));
        assertTrue(CallbackSignature.verify(ID, Long.toString(TS), BODY, header, previous, now));
        assertFalse(CallbackSignature.verify(ID, Long.toString(TS), "{\"test\": 1}".getBytes(StandardCharsets.UTF_8),
                header, current, now));
        assertFalse(CallbackSignature.verify("msg_other", Long.toString(TS), BODY, header, current, now));
        assertFalse(CallbackSignature.verify(ID, Long.toString(TS), BODY, header, current, now.plusSeconds(600)));
        assertFalse(CallbackSignature.verify(ID, "12x", BODY, header, current, now));
        assertFalse(CallbackSignature.verify(ID, Long.toString(TS), BODY, "v1,***", current, now));
    }

    @Test
    void refusesSecretsThatAreNotWhsecBase64() {
        assertTrue(CallbackSignature.key(null).isEmpty());
        assertTrue(CallbackSignature.key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").isEmpty());
        assertTrue(CallbackSignature.key("whsec_").isEmpty());
        assertTrue(CallbackSignature.key("whsec_!!!notbase64").isEmpty());
        assertTrue(CallbackSignature.key("whsec_c2hvcnQ=").isEmpty());
    }
}
