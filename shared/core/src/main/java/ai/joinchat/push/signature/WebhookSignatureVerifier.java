package ai.joinchat.push.signature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Facebook's webhook signature, {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app
 * secret, raw body)>}. Upper- or lower-case hex is accepted; comparison is constant-time.
 * Thread-safe.
 */
public final class WebhookSignatureVerifier {

    private static final String PREFIX = "sha256=";
    private static final Pattern HEX_64 = Pattern.compile("[0-9a-fA-F]{64}");

    /** True when the header is {@code sha256=} and the 64-hex-digit HMAC of {@code rawBody}. */
    public boolean verify(byte[] rawBody, String headerValue, String appSecret) {
        if (rawBody == null || headerValue == null || appSecret == null || appSecret.isEmpty()) {
            return false;
        }
        String value = headerValue.strip();
        String hex = value.startsWith(PREFIX) ? value.substring(PREFIX.length()) : "";
        return HEX_64.matcher(hex).matches()
                && MessageDigest.isEqual(Sha256.hmac(appSecret, rawBody), HexFormat.of().parseHex(hex));
    }

    /** {@code sha256=<lower-case hex>} for {@code rawBody} under {@code appSecret}. */
    public String sign(byte[] rawBody, String appSecret) {
        return PREFIX + HexFormat.of().formatHex(Sha256.hmac(appSecret, rawBody));
    }

    /** Constant-time equality of two strings' UTF-8 bytes (e.g. webhook verify tokens); nulls never match. */
    public static boolean constantTimeEquals(String a, String b) {
        return a != null && b != null
                && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
