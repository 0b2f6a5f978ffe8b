package ai.joinchat.push.store;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code error.code} of {@code /api/message_status} has one type: always a string. */
class MessageRecordStatusJsonTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void aGraphErrorCodeIsItsNumberAsTextWithTheNumberInGraphCode() {
        JsonNode error = failedWith(new DeliveryError("100", 2018001, "(#100) No matching user found", false))
                .toStatusJson().path("error");
        assertTrue(error.path("code").isTextual(), error.toString());
        assertEquals("100", error.path("code").textValue());
        assertTrue(error.path("graph_code").isInt(), error.toString());
        assertEquals(100, error.path("graph_code").intValue());
        assertEquals(2018001, error.path("subcode").intValue());
    }

    @Test
    void ourOwnCodesAreStringsWithoutGraphCode() {
        JsonNode error = failedWith(new DeliveryError("recipient_not_found", null, "No binding", false))
                .toStatusJson().path("error");
        assertEquals("recipient_not_found", error.path("code").textValue());
        assertFalse(error.has("graph_code"), error.toString());
        assertTrue(error.path("subcode").isNull());
    }

    private static MessageRecord failedWith(DeliveryError error) {
        return new MessageRecord("m-1", "1234567890", "uuid", "u-1", "text", MessageStatus.FAILED, 1, NOW, NOW,
                null, null, error, List.of(), null, null, null);
    }
}
