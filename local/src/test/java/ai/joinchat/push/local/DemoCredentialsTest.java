package ai.joinchat.push.local;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Delivering for real from local mode needs the real app secret, page and token. */
class DemoCredentialsTest {

    private static final String FACEBOOK = "https://graph.facebook.com";

    @Test
    void aRealGraphApiWithoutTheAppSecretRefusesToStartNamingTheVariable() {
        DemoCredentials credentials = DemoCredentials.fromEnvironment(Map.of(
                "LOCAL_PAGE_ID", "1122334455", "LOCAL_PAGE_ACCESS_TOKEN", "EAAB-real-token"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> credentials.requireRealFor(FACEBOOK));
        assertTrue(refused.getMessage().contains("LOCAL_APP_SECRET"), refused.getMessage());
        assertFalse(refused.getMessage().contains("LOCAL_PAGE_ID"), refused.getMessage());
        assertFalse(refused.getMessage().contains("EAAB-real-token"), "never prints a secret");
    }

    @Test
    void theREADMEsOldOneLinerIsRefusedWithEveryMissingVariable() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> DemoCredentials.demo().requireRealFor(FACEBOOK));
        for (String variable : new String[]{"LOCAL_PAGE_ID", "LOCAL_PAGE_ACCESS_TOKEN", "LOCAL_APP_SECRET"}) {
            assertTrue(refused.getMessage().contains(variable), refused.getMessage());
        }
    }

    @Test
    void realCredentialsOrALoopbackGraphStart() {
        DemoCredentials real = DemoCredentials.fromEnvironment(Map.of("LOCAL_PAGE_ID", "1122334455",
                "LOCAL_PAGE_ACCESS_TOKEN", "EAAB-real-token", "LOCAL_APP_SECRET", "real-app-secret"));
        assertDoesNotThrow(() -> real.requireRealFor(FACEBOOK));
        assertDoesNotThrow(() -> DemoCredentials.demo().requireRealFor(null));
        assertDoesNotThrow(() -> DemoCredentials.demo().requireRealFor("http://127.0.0.1:8089"));
        assertDoesNotThrow(() -> DemoCredentials.demo().requireRealFor("http://localhost:8089"));
    }
}
