package ai.joinchat.push.secrets;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.signature.CallbackSignature;
import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the secrets of the contract's section 2: per page at {@code PAGE_SECRET_PREFIX + page_id},
 * app-wide at {@code APP_SECRET_ID}. A secret that is missing or not the documented JSON is absent
 * (and never echoed anywhere); a page setting it does not know takes its default, with a warning
 * once per page and setting per container ({@link #warnOnce}).
 */
public final class SecretsProvider {

    private final SecretSource source;
    private final String pageSecretPrefix;
    private final String appSecretId;
    private final JsonLogger log;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    public SecretsProvider(SecretSource source, String pageSecretPrefix, String appSecretId, JsonLogger log) {
        this.source = source;
        this.pageSecretPrefix = pageSecretPrefix;
        this.appSecretId = appSecretId;
        this.log = log;
    }

    /** Absent: the page is not configured; deferred: answer "later", never "not configured". */
    public SecretLookup<PageSecrets> pageSecrets(String pageId) {
        return source.lookup(pageSecretPrefix + pageId).flatMap(secret -> page(pageId, secret));
    }

    public Optional<AppSecrets> appSecrets() {
        return source.secretString(appSecretId).flatMap(SecretsProvider::app);
    }

    /** {@link SecretSource#freshSecretString}: for the worker when Facebook rejects the cached page token. */
    public Optional<PageSecrets> refreshPageSecrets(String pageId) {
        return source.freshSecretString(pageSecretPrefix + pageId).flatMap(secret -> page(pageId, secret));
    }

    /** As {@link #refreshPageSecrets(String)}, for the app-wide secret (a rejected appsecret_proof). */
    public Optional<AppSecrets> refreshAppSecrets() {
        return source.freshSecretString(appSecretId).flatMap(SecretsProvider::app);
    }

    private Optional<PageSecrets> page(String pageId, String secretString) {
        return parseObject(secretString)
                .map(node -> new PageSecrets(
                        Json.text(node, "api_secret"),
                        Json.text(node, "page_access_token"),
                        Json.text(node, "previous_api_secret"),
                        requiresTimestamp(pageId, node.get("require_timestamp")),
                        unsignedRefs(pageId, Json.text(node, "unsigned_refs")),
                        callbacks(pageId, node)))
                .filter(s -> !s.acceptedApiSecrets().isEmpty() || s.pageAccessToken() != null);
    }

    private UnsignedRefPolicy unsignedRefs(String pageId, String value) {
        Optional<UnsignedRefPolicy> policy = UnsignedRefPolicy.parse(value);
        if (policy.isEmpty() && value != null && !value.isBlank()) {
            warnOnce("page_setting_unrecognised", pageId, "unsigned_refs", "applied_default",
                    UnsignedRefPolicy.FIRST.wireName());
        }
        return policy.orElse(UnsignedRefPolicy.FIRST);
    }

    /**
     * The page's callbacks when {@code callback_url} is set and every callback setting is valid; a
     * bad one is logged by name (never its value) and disables the page's callbacks until fixed.
     */
    private Optional<CallbackSettings> callbacks(String pageId, JsonNode node) {
        String url = Json.text(node, "callback_url");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        Optional<URI> target = callbackUrl(url);
        Optional<byte[]> key = CallbackSignature.key(Json.text(node, "callback_secret"));
        String previous = Json.text(node, "previous_callback_secret");
        Optional<byte[]> previousKey = previous == null || previous.isBlank() ? Optional.empty()
                : CallbackSignature.key(previous);
        Optional<Set<String>> events = callbackEvents(node.get("callback_events"));
        String invalid = target.isEmpty() ? "callback_url" : key.isEmpty() ? "callback_secret"
                : previous != null && !previous.isBlank() && previousKey.isEmpty() ? "previous_callback_secret"
                : events.isEmpty() ? "callback_events" : null;
        if (invalid != null) {
            warnOnce("page_setting_invalid", pageId, invalid, "callbacks", "disabled");
            return Optional.empty();
        }
        List<byte[]> keys = new ArrayList<>(List.of(key.get()));
        previousKey.ifPresent(keys::add);
        return Optional.of(new CallbackSettings(target.get(), keys, events.get()));
    }

    /**
     * The URL as a callback target: absolute, {@code https} (or {@code http}, which only a
     * deployment allowing private callbacks sends to, and only on loopback), with a host and no
     * user info or fragment; empty otherwise.
     */
    private static Optional<URI> callbackUrl(String value) {
        try {
            URI uri = new URI(value.strip());
            boolean scheme = "https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme());
            return scheme && uri.getHost() != null && uri.getRawUserInfo() == null && uri.getRawFragment() == null
                    ? Optional.of(uri) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** Absent or null: every type; else an array of known types. */
    private static Optional<Set<String>> callbackEvents(JsonNode value) {
        if (value == null || value.isNull()) {
            return Optional.of(CallbackSettings.TYPES);
        }
        Set<String> types = new HashSet<>();
        for (JsonNode type : value.isArray() ? value : List.<JsonNode>of(Json.object())) {
            if (!type.isTextual() || !CallbackSettings.TYPES.contains(type.textValue())) {
                return Optional.empty();
            }
            types.add(type.textValue());
        }
        return Optional.of(types);
    }

    /** Names the setting and what applies instead; never its value, which may be anything. */
    private void warnOnce(String event, String pageId, String setting, String key, String applied) {
        if (warned.add(pageId + '\n' + setting)) {
            log.warn(event).with("page_id", pageId).with("setting", setting).with(key, applied).write();
        }
    }

    private static Optional<AppSecrets> app(String secretString) {
        return parseObject(secretString)
                .map(node -> new AppSecrets(Json.text(node, "app_secret"), Json.text(node, "verify_token")));
    }

    /**
     * {@code true}, or the string {@code "true"} (a console that stores every value as a string);
     * anything but a boolean, "true" or "false" is unrecognised and gives the default, false.
     */
    private boolean requiresTimestamp(String pageId, JsonNode value) {
        if (value == null || value.isNull() || value.isBoolean()) {
            return value != null && value.booleanValue();
        }
        String text = value.isTextual() ? value.textValue().strip().toLowerCase(Locale.ROOT) : "";
        if (!text.equals("true") && !text.equals("false")) {
            warnOnce("page_setting_unrecognised", pageId, "require_timestamp", "applied_default", "false");
        }
        return text.equals("true");
    }

    private static Optional<JsonNode> parseObject(String secretString) {
        return Json.parse(secretString.getBytes(StandardCharsets.UTF_8)).filter(JsonNode::isObject);
    }
}
