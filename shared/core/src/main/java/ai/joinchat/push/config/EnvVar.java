package ai.joinchat.push.config;

/**
 * Every environment variable the functions read, with its default. The template declares each
 * one (a test checks it); code reads configuration only through {@link Settings}.
 */
public enum EnvVar {
    PAGE_SECRET_PREFIX("joinchat/pages/"),
    APP_SECRET_ID("joinchat/app"),
    SECRET_CACHE_TTL_SECONDS("300"),
    MESSAGES_TABLE(null),
    CONTACT_BINDINGS_TABLE(null),
    CONTACT_STATE_TABLE(null),
    IDEMPOTENCY_TABLE(null),
    WEBHOOK_EVENTS_TABLE(null),
    QUEUE_URL(null),
    DEAD_LETTER_QUEUE_ARN(null),
    CALLBACK_QUEUE_URL(null),
    ALLOW_PRIVATE_CALLBACKS("false"),
    LEGACY_TAG_POLICY("drop"),
    GRAPH_API_BASE_URL("https://graph.facebook.com"),
    GRAPH_API_VERSION("v25.0"),
    PHONE_NUMBER_FALLBACK("false"),
    MAX_RECEIVE_COUNT("5"),
    MAX_THROTTLE_HOURS("24"),
    RECORD_RETENTION_DAYS("30"),
    LOG_LEVEL("INFO");

    private final String defaultValue;

    EnvVar(String defaultValue) {
        this.defaultValue = defaultValue;
    }

    /** Null when the variable is required. */
    public String defaultValue() {
        return defaultValue;
    }
}
