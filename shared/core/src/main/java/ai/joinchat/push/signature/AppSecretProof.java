package ai.joinchat.push.signature;

import ai.joinchat.push.signature.HmacSha256;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Graph API {@code appsecret_proof}: lowercase hex HMAC-SHA256 of the access token keyed with the
 * app secret.
 */
public final class AppSecretProof {

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
        return HexFormat.of().formatHex(HmacSha256.mac(appSecret, accessToken.getBytes(StandardCharsets.UTF_8)));
    }
}
