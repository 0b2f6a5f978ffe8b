package ai.joinchat.push.signature;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SHA-256 as lower-case hex (request hashes, replay keys, event keys), and HMAC-SHA256, the one primitive
 * under every signature here (and Graph's {@code appsecret_proof}); a new {@link Mac} per call: thread-safe.
 */
public final class Sha256 {

    private static final String HMAC = "HmacSHA256";

    private Sha256() {
    }

    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(digest(data));
    }

    public static byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** Graph API {@code appsecret_proof}: the hex HMAC of the access token keyed with the app secret. */
    public static String appSecretProof(String accessToken, String appSecret) {
        Objects.requireNonNull(appSecret, "appSecret");
        return HexFormat.of().formatHex(hmac(appSecret, accessToken.getBytes(StandardCharsets.UTF_8)));
    }

    /** As {@link #hmac(byte[], byte[]...)}, keyed with the secret as UTF-8; an empty secret is refused. */
    public static byte[] hmac(String secret, byte[]... parts) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        return hmac(secret.getBytes(StandardCharsets.UTF_8), parts);
    }

    /** The HMAC of the parts, in order, as of one message; a null part counts as empty. */
    public static byte[] hmac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            for (byte[] part : parts) {
                if (part != null) {
                    mac.update(part);
                }
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
