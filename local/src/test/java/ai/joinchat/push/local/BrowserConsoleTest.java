package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console's feed: bounded, cursor-paged, and free of what must not reach a browser. */
class BrowserConsoleTest {

    private final BrowserConsole console = new BrowserConsole(DemoCredentials.demo(), null, "local-MessagesTable");

    @Test
    void keepsTheLatestEntriesAndPagesThemByCursor() {
        int total = BrowserConsole.CAPACITY + 1000;
        for (int i = 1; i <= total; i++) {
            console.record("request", "1", "2", "m" + i, Json.object());
        }
        JsonNode first = console.feed(0);
        assertEquals(1000, first.path("entries").size());
        assertEquals(1001, first.path("entries").get(0).path("seq").asLong(), "the oldest 1,000 are dropped");
        assertTrue(first.path("dropped").asBoolean());
        assertTrue(first.path("more").asBoolean());
        long cursor = first.path("cursor").asLong();
        int seen = first.path("entries").size();
        for (JsonNode page = console.feed(cursor); page.path("entries").size() > 0; page = console.feed(cursor)) {
            assertFalse(page.path("dropped").asBoolean());
            seen += page.path("entries").size();
            cursor = page.path("cursor").asLong();
        }
        assertEquals(BrowserConsole.CAPACITY, seen);
        assertEquals(total, cursor);
        assertFalse(console.feed(cursor).path("more").asBoolean());
        assertEquals(total, console.feed(cursor).path("cursor").asLong(), "an idle poll keeps its cursor");
    }

    @Test
    void takesWhatIsAboutAMessageAndLeavesSecretsOut() {
        console.functionLog("worker", Json.parse("{\"event\":\"credentials_refreshed\",\"page_id\":\"1\"}"));
        console.functionLog("worker", Json.parse("{\"event\":\"message_delivery\",\"message_id\":\"m1\",\"outcome\":\"sent\","
                + "\"_aws\":{\"CloudWatchMetrics\":[]}}"));
        console.graphCall(Json.parse("{\"page_id\":\"1\",\"query\":{\"access_token\":\"<redacted>\",\"appsecret_proof\":\"abc\"},"
                + "\"authorization_present\":true,\"status\":200,\"body\":{\"recipient\":{\"id\":\"2\"},\"messaging_type\":\"UPDATE\","
                + "\"message\":{\"text\":\"Hi\",\"metadata\":\"m1\"}},\"response\":{\"message_id\":\"m_1\"}}"));
        console.callback("1", "2", "m1", Json.object().put("type", "message.sent").put("answer_status", 200));

        JsonNode feed = console.feed(0);
        JsonNode entries = feed.path("entries");
        assertEquals(2, entries.size(), Json.write(feed));
        assertEquals("log", entries.get(0).path("kind").asText());
        assertFalse(entries.get(0).path("data").has("_aws"));
        assertEquals("m1", entries.get(1).path("message_id").asText());
        assertEquals("2", entries.get(1).path("psid").asText());
        assertFalse(Json.write(feed).contains("appsecret_proof"));
        assertEquals("message.sent", feed.path("callbacks").get(0).path("data").path("type").asText());
        console.close();
    }

    @Test
    void theCallbacksFunctionsCallbackLinesBecomeCallbackEntriesWithTheirAnswer() {
        console.functionLog("callbacks", Json.parse("{\"event\":\"callback\",\"page_id\":\"1\",\"webhook_id\":\"evt_1\","
                + "\"type\":\"message.sent\",\"message_id\":\"m1\",\"attempt\":1,\"duration_ms\":3,\"status\":200,"
                + "\"outcome\":\"delivered\"}"));
        console.functionLog("callbacks", Json.parse("{\"event\":\"callback\",\"page_id\":\"1\",\"webhook_id\":\"evt_2\","
                + "\"type\":\"contact.bound\",\"attempt\":2,\"duration_ms\":3,\"status\":503,\"outcome\":\"retry\"}"));

        JsonNode feed = console.feed(0);
        assertEquals(0, feed.path("entries").size(), Json.write(feed));
        JsonNode sent = feed.path("callbacks").get(0);
        assertEquals("m1", sent.path("message_id").asText());
        assertEquals("1", sent.path("page_id").asText());
        assertEquals("message.sent", sent.at("/data/type").asText());
        assertEquals("evt_1", sent.at("/data/webhook_id").asText());
        assertEquals(200, sent.at("/data/answer_status").asInt());
        assertTrue(sent.at("/data/ok").asBoolean());
        JsonNode retried = feed.path("callbacks").get(1);
        assertEquals("contact.bound", retried.at("/data/type").asText());
        assertEquals(503, retried.at("/data/answer_status").asInt());
        assertEquals(2, retried.at("/data/attempt").asInt());
        assertFalse(retried.at("/data/ok").asBoolean());
        console.close();
    }
}
