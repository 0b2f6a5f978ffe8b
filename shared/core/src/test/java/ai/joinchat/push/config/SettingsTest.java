package ai.joinchat.push.config;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private final Settings settings = new Settings(
            Map.of("QUEUE_URL", "http://q", "MAX_RECEIVE_COUNT", "7", "PHONE_NUMBER_FALLBACK", "TRUE",
                    "SECRET_CACHE_TTL_SECONDS", "abc"),
            EnumSet.of(EnvVar.QUEUE_URL, EnvVar.MAX_RECEIVE_COUNT, EnvVar.PHONE_NUMBER_FALLBACK,
                    EnvVar.GRAPH_API_VERSION, EnvVar.MESSAGES_TABLE, EnvVar.SECRET_CACHE_TTL_SECONDS));

    @Test
    void readsValuesAndDefaults() {
        assertEquals("http://q", settings.require(EnvVar.QUEUE_URL));
        assertEquals(7, settings.integer(EnvVar.MAX_RECEIVE_COUNT, 1, 100));
        assertTrue(settings.bool(EnvVar.PHONE_NUMBER_FALLBACK));
        assertEquals("v25.0", settings.require(EnvVar.GRAPH_API_VERSION), "the pinned default Graph version");
    }

    @Test
    void refusesUndeclaredMissingOrMalformedValues() {
        assertThrows(IllegalStateException.class, () -> settings.require(EnvVar.WEBHOOK_EVENTS_TABLE), "undeclared");
        assertThrows(IllegalStateException.class, () -> settings.require(EnvVar.MESSAGES_TABLE), "required, not set");
        assertThrows(IllegalStateException.class, () -> settings.integer(EnvVar.SECRET_CACHE_TTL_SECONDS, 0, 10));
        assertThrows(IllegalStateException.class, () -> settings.integer(EnvVar.MAX_RECEIVE_COUNT, 1, 5));
    }
}
