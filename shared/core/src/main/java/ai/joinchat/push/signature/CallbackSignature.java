package ai.joinchat.push.signature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Status-callback signatures per Standard Webhooks 1.0: {@code v1,<Base64(HMAC-SHA256(key, "<id>.<ts>.<body>"))>}
 * where the key is the bytes Base64-decoded from the secret after its {@code whsec_} prefix. Several
 * signatures (rotation) are separated by a space. Pure and thread-safe; odd input is refused with
 * {@code Optional.empty()} / {@code false}, never an exception.
 */
public final class CallbackSignature {

    /** How far a receiver lets {@code webhook-timestamp} be from its clock, either way. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);
    public static final String PREFIX = "whsec_";

    private CallbackSignature() {
    }

    /** The key bytes of a {@code whsec_...} secret; empty when it is not one. */
    public static Optional<byte[]> key(String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() == PREFIX.length()) {
            return Optional.empty();
        }
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
            return key.length >= 16 ? Optional.of(key) : Optional.empty();
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
    }

    /** The {@code webhook-signature} header: one {@code v1,...} per secret, in order, space-separated. */
    public static String header(String webhookId, long unixSeconds, byte[] body, List<byte[]> keys) {
        return keys.stream()
                .map(key -> "v1," + Base64.getEncoder().encodeToString(mac(key, webhookId, unixSeconds, body)))
                .collect(Collectors.joining(" "));
    }

    /**
     * True when the timestamp is within {@link #TOLERANCE} of {@code now} and any {@code v1,} entry of
     * the header is the signature under {@code key}; compared in constant time over the raw bytes.
     */
    public static boolean verify(String webhookId, String timestamp, byte[] body, String signatureHeader,
                                 byte[] key, Instant now) {
        if (webhookId == null || timestamp == null || body == null || signatureHeader == null || key == null
                || !SignatureVerifier.isFresh(timestamp, now, TOLERANCE)) {
            return false;
        }
        byte[] expected = mac(key, webhookId, Long.parseLong(timestamp), body);
        boolean matched = false;
        for (String entry : signatureHeader.trim().split(" +")) {
            if (entry.startsWith("v1,")) {
                try {
                    matched |= MessageDigest.isEqual(expected, Base64.getDecoder().decode(entry.substring(3)));
                } catch (IllegalArgumentException notBase64) {
                    // another entry may still match
                }
            }
        }
        return matched;
    }

    private static byte[] mac(byte[] key, String webhookId, long unixSeconds, byte[] body) {
        return Sha256.hmac(key, (webhookId + "." + unixSeconds + ".").getBytes(StandardCharsets.UTF_8), body);
    }
}
