package ai.joinchat.push.signature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The JoinChat request signature, {@code x-joinchat-signature}: {@code Base64(HMAC-SHA256(key = api
 * secret as UTF-8, data = the raw body bytes))}, standard or URL-safe, padded or not, compared in
 * constant time with each candidate secret (current and previous). The timestamped form adds
 * {@code x-joinchat-timestamp: <unix seconds>} and signs {@code "<timestamp>." + raw body}; it is
 * valid only within {@link #TIMESTAMP_TOLERANCE} of the clock reading the caller passes in.
 * Thread-safe.
 */
public final class SignatureVerifier {

    /** How far a signed timestamp may be from the server's clock, either way. */
    public static final Duration TIMESTAMP_TOLERANCE = Duration.ofSeconds(300);

    private static final int HMAC_SHA256_LENGTH = 32;
    /** Unix seconds: digits only, at most 12 of them (no sign, no exponent, no overflow). */
    private static final Pattern UNIX_SECONDS = Pattern.compile("[0-9]{1,12}");

    /**
     * True when the header is the signature of {@code rawBody} under any non-empty candidate.
     * A missing, blank or undecodable header is simply false.
     */
    public boolean verify(byte[] rawBody, String signatureHeaderValue, List<String> candidateSecrets) {
        return rawBody != null && matches(signatureHeaderValue, candidateSecrets, rawBody);
    }

    /**
     * True when the timestamp is unix seconds within {@link #TIMESTAMP_TOLERANCE} of {@code now} and
     * the header signs {@code "<timestamp>." + rawBody} (not the body alone); every odd input is false.
     */
    public boolean verifyTimestamped(byte[] rawBody, String timestampHeaderValue, String signatureHeaderValue,
                                     List<String> candidateSecrets, Instant now) {
        if (rawBody == null || timestampHeaderValue == null || now == null) {
            return false;
        }
        String timestamp = timestampHeaderValue.strip();
        return isFresh(timestamp, now, TIMESTAMP_TOLERANCE)
                && matches(signatureHeaderValue, candidateSecrets, timestampPrefix(timestamp), rawBody);
    }

    /** The timestamped signature of {@code rawBody}: over {@code "<unixSeconds>." + rawBody}, standard padded Base64. */
    public String signTimestamped(byte[] rawBody, long unixSeconds, String secret) {
        return Base64.getEncoder().encodeToString(Sha256.hmac(secret, timestampPrefix(Long.toString(unixSeconds)), rawBody));
    }

    /** The signature of {@code rawBody} under {@code secret}, as standard padded Base64. */
    public String sign(byte[] rawBody, String secret) {
        return Base64.getEncoder().encodeToString(Sha256.hmac(secret, rawBody));
    }

    /**
     * Whether the header is the HMAC of the signed parts under any non-empty candidate (a signed
     * ref's too), compared in constant time. Every candidate is tried, so the time taken does not
     * tell which one matched.
     */
    static boolean matches(String signatureHeaderValue, List<String> candidateSecrets, byte[]... signed) {
        Optional<byte[]> presented = signatureBytes(signatureHeaderValue);
        if (candidateSecrets == null || presented.isEmpty()) {
            return false;
        }
        boolean matched = false;
        for (String secret : candidateSecrets) {
            if (secret != null && !secret.isEmpty()) {
                matched |= MessageDigest.isEqual(Sha256.hmac(secret, signed), presented.get());
            }
        }
        return matched;
    }

    private static byte[] timestampPrefix(String timestamp) {
        return (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code unixSeconds} is unix seconds within {@code tolerance} of {@code now}, either way. */
    static boolean isFresh(String unixSeconds, Instant now, Duration tolerance) {
        return UNIX_SECONDS.matcher(unixSeconds).matches()
                && Math.abs(Long.parseLong(unixSeconds) - now.getEpochSecond()) <= tolerance.toSeconds();
    }

    /**
     * The raw HMAC bytes a signature header carries (standard or URL-safe Base64, padded or not,
     * surrounding whitespace trimmed), so two spellings of one signature are recognised as the
     * same; empty when undecodable.
     */
    public static Optional<byte[]> signatureBytes(String headerValue) {
        if (headerValue == null) {
            return Optional.empty();
        }
        String value = headerValue.strip();
        int end = value.length();
        while (end > 0 && value.charAt(end - 1) == '=') {
            end--;
        }
        String unpadded = value.substring(0, end).replace('-', '+').replace('_', '/');
        try {
            // An '=' left inside makes the decoder throw; an empty value decodes to 0 bytes, not 32.
            byte[] decoded = Base64.getDecoder().decode(unpadded);
            return decoded.length == HMAC_SHA256_LENGTH ? Optional.of(decoded) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
