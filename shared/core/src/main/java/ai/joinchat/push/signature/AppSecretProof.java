package ai.joinchat.push.signature;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;

/** Graph API {@code appsecret_proof}: lowercase hex HMAC-SHA256 of the access token keyed with the app secret. */
public final class AppSecretProof {

    private AppSecretProof() {
    }

    /**
     * 64 lowercase hex characters; both strings as UTF-8.
     *
     * @throws IllegalArgumentException if the app secret is empty
     */
    public static String compute(String accessToken, String appSecret) {
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(appSecret, "appSecret");
        return HexFormat.of().formatHex(Sha256.hmac(appSecret, accessToken.getBytes(StandardCharsets.UTF_8)));
    }
}
