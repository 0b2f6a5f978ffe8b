package ai.joinchat.push.signature;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The JoinChat request signature: {@code Base64(HMAC-SHA256(key = api secret as UTF-8,
 * data = the raw body bytes))}, sent in {@code x-joinchat-signature}. Verification accepts
 * standard and URL-safe Base64, with or without padding, and compares in constant time
 * against each candidate secret (current and previous). Thread-safe.
 */
public final class SignatureVerifier {

    private static final int HMAC_SHA256_LENGTH = 32;

    /**
     * True when the header is the signature of {@code rawBody} under any non-empty candidate.
     * A missing, blank or undecodable header is simply false.
     */
    public boolean verify(byte[] rawBody, String signatureHeaderValue, List<String> candidateSecrets) {
        if (rawBody == null || candidateSecrets == null) {
            return false;
        }
        Optional<byte[]> presented = decode(signatureHeaderValue);
        if (presented.isEmpty()) {
            return false;
        }
        boolean matched = false;
        for (String secret : candidateSecrets) {
            if (secret != null && !secret.isEmpty()) {
                matched |= MessageDigest.isEqual(HmacSha256.mac(secret, rawBody), presented.get());
            }
        }
        return matched;
    }

    /** The signature of {@code rawBody} under {@code secret}, as standard padded Base64. */
    public String sign(byte[] rawBody, String secret) {
        return Base64.getEncoder().encodeToString(HmacSha256.mac(secret, rawBody));
    }

    /** Decodes standard or URL-safe Base64, padded or not, surrounding whitespace trimmed. */
    static Optional<byte[]> decode(String headerValue) {
        if (headerValue == null) {
            return Optional.empty();
        }
        String value = headerValue.strip();
        int end = value.length();
        while (end > 0 && value.charAt(end - 1) == '=') {
            end--;
        }
        String unpadded = value.substring(0, end).replace('-', '+').replace('_', '/');
        if (unpadded.isEmpty() || unpadded.indexOf('=') >= 0) {
            return Optional.empty();
        }
        try {
            byte[] decoded = Base64.getDecoder().decode(unpadded);
            return decoded.length == HMAC_SHA256_LENGTH ? Optional.of(decoded) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
