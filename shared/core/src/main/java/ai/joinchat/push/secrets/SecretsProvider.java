package ai.joinchat.push.secrets;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the secrets of the contract's section 2: per page at {@code PAGE_SECRET_PREFIX + page_id},
 * app-wide at {@code APP_SECRET_ID}. A secret that is missing or not the documented JSON is
 * treated as absent (and never echoed anywhere).
 */
public final class SecretsProvider {

    private final SecretSource source;
    private final String pageSecretPrefix;
    private final String appSecretId;

    public SecretsProvider(SecretSource source, String pageSecretPrefix, String appSecretId) {
        this.source = source;
        this.pageSecretPrefix = pageSecretPrefix;
        this.appSecretId = appSecretId;
    }

    public Optional<PageSecrets> pageSecrets(String pageId) {
        return source.secretString(pageSecretPrefix + pageId)
                .flatMap(SecretsProvider::parseObject)
                .map(node -> new PageSecrets(
                        Json.text(node, "api_secret"),
                        Json.text(node, "page_access_token"),
                        Json.text(node, "previous_api_secret"),
                        // "require_timestamp" belongs to the send API's signature check, not parsed here.
                        UnsignedRefPolicy.fromSetting(Json.text(node, "unsigned_refs"))))
                .filter(s -> !s.acceptedApiSecrets().isEmpty() || s.pageAccessToken() != null);
    }

    public Optional<AppSecrets> appSecrets() {
        return source.secretString(appSecretId)
                .flatMap(SecretsProvider::parseObject)
                .map(node -> new AppSecrets(Json.text(node, "app_secret"), Json.text(node, "verify_token")));
    }

    private static Optional<JsonNode> parseObject(String secretString) {
        return Json.parse(secretString.getBytes(StandardCharsets.UTF_8)).filter(JsonNode::isObject);
    }
}
