package ai.joinchat.push.signature;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 with a UTF-8 key; a new {@link Mac} per call, so it is thread-safe. */
public final class HmacSha256 {

    private static final String ALGORITHM = "HmacSHA256";

    private HmacSha256() {
    }

    /**
     * @throws IllegalArgumentException if the secret is null or empty
     */
    public static byte[] mac(String secret, byte[] data) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        return mac(secret.getBytes(StandardCharsets.UTF_8), data == null ? new byte[0] : data);
    }

    /** The MAC of the parts, in order, as of one message. */
    public static byte[] mac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * Whether {@code presented} is the MAC of {@code data} under any non-empty secret, compared in
     * constant time. Every secret is tried, so the time taken does not tell which one matched.
     */
    static boolean matchesAny(List<String> secrets, byte[] data, byte[] presented) {
        boolean matched = false;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                matched |= MessageDigest.isEqual(mac(secret, data), presented);
            }
        }
        return matched;
    }
}
