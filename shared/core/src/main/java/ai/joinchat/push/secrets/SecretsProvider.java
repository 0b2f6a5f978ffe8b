package ai.joinchat.push.secrets;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
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

    /**
     * The functions' secrets: Secrets Manager behind a cache of {@code SECRET_CACHE_TTL_SECONDS},
     * pages at {@code PAGE_SECRET_PREFIX}, the app secret at {@code APP_SECRET_ID} when the
     * function declares it (the send API reads page secrets only).
     */
    public static SecretsProvider fromSettings(Settings settings, AwsClientFactory aws, Clock clock) {
        SecretSource cached = new CachedSecretSource(new SecretsManagerSecretSource(aws.secretsManager()),
                settings.seconds(EnvVar.SECRET_CACHE_TTL_SECONDS, 3600), clock);
        String appSecretId = settings.declared().contains(EnvVar.APP_SECRET_ID)
                ? settings.require(EnvVar.APP_SECRET_ID) : "";
        return new SecretsProvider(cached, settings.require(EnvVar.PAGE_SECRET_PREFIX), appSecretId);
    }

    public Optional<PageSecrets> pageSecrets(String pageId) {
        return source.secretString(pageSecretPrefix + pageId).flatMap(SecretsProvider::page);
    }

    public Optional<AppSecrets> appSecrets() {
        return source.secretString(appSecretId).flatMap(SecretsProvider::app);
    }

    /**
     * The page's secrets as Secrets Manager has them now, bypassing the cache and replacing the
     * cached entry: for the worker when Facebook says the cached page token is no longer valid.
     */
    public Optional<PageSecrets> refreshPageSecrets(String pageId) {
        return source.freshSecretString(pageSecretPrefix + pageId).flatMap(SecretsProvider::page);
    }

    /** As {@link #refreshPageSecrets(String)}, for the app-wide secret (a rejected appsecret_proof). */
    public Optional<AppSecrets> refreshAppSecrets() {
        return source.freshSecretString(appSecretId).flatMap(SecretsProvider::app);
    }

    private static Optional<PageSecrets> page(String secretString) {
        return parseObject(secretString)
                .map(node -> new PageSecrets(
                        Json.text(node, "api_secret"),
                        Json.text(node, "page_access_token"),
                        Json.text(node, "previous_api_secret"),
                        requiresTimestamp(node.get("require_timestamp")),
                        UnsignedRefPolicy.fromSetting(Json.text(node, "unsigned_refs"))))
                .filter(s -> !s.acceptedApiSecrets().isEmpty() || s.pageAccessToken() != null);
    }

    private static Optional<AppSecrets> app(String secretString) {
        return parseObject(secretString)
                .map(node -> new AppSecrets(Json.text(node, "app_secret"), Json.text(node, "verify_token")));
    }

    /** {@code true}, or the string {@code "true"} (a console that stores every value as a string). */
    private static boolean requiresTimestamp(JsonNode value) {
        return value != null && (value.isBoolean() ? value.booleanValue()
                : value.isTextual() && value.textValue().strip().equalsIgnoreCase("true"));
    }

    private static Optional<JsonNode> parseObject(String secretString) {
        return Json.parse(secretString.getBytes(StandardCharsets.UTF_8)).filter(JsonNode::isObject);
    }
}
