package ai.joinchat.push.graph;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Graph API {@code appsecret_proof}: lowercase hex HMAC-SHA256 of the access token keyed with the
 * app secret.
 */
public final class AppSecretProof {

    private static final String ALGORITHM = "HmacSHA256";

    private AppSecretProof() {
    }

    /**
     * @param accessToken the page access token (UTF-8 data)
     * @param appSecret   the app secret (UTF-8 key)
     * @return 64 lowercase hex characters
     */
    public static String compute(String accessToken, String appSecret) {
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(appSecret, "appSecret");
        if (appSecret.isEmpty()) {
            throw new IllegalArgumentException("appSecret must not be empty");
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return HexFormat.of().formatHex(mac.doFinal(accessToken.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is mandatory in every Java platform; never reached. No key material in the message.
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
