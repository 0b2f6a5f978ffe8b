package ai.joinchat.push.secrets;

/** The Facebook app's secret (webhook signatures, appsecret_proof) and the webhook verify token. */
public record AppSecrets(String appSecret, String verifyToken) {

    @Override
    public String toString() {
        return "AppSecrets[redacted]";
    }
}
