package ai.joinchat.push.send;

import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageStatus;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract's section 4 body: {@code error.code} has one type, and protocol states stay inside. */
class MessageStatusViewTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void aGraphErrorCodeIsItsNumberAsTextWithTheNumberInGraphCode() {
        JsonNode error = view(MessageStatus.FAILED,
                new DeliveryError("100", 2018001, "(#100) No matching user found", false)).path("error");
        assertTrue(error.path("code").isTextual(), error.toString());
        assertEquals("100", error.path("code").textValue());
        assertTrue(error.path("graph_code").isInt(), error.toString());
        assertEquals(100, error.path("graph_code").intValue());
        assertEquals(2018001, error.path("subcode").intValue());
    }

    @Test
    void ourOwnCodesAreStringsWithoutGraphCode() {
        JsonNode error = view(MessageStatus.FAILED, new DeliveryError("recipient_not_found", null, "No binding", false))
                .path("error");
        assertEquals("recipient_not_found", error.path("code").textValue());
        assertFalse(error.has("graph_code"), error.toString());
        assertTrue(error.path("subcode").isNull());
    }

    @Test
    void aPendingRecordIsReportedQueuedAndARejectedOneIsNoMessage() {
        assertEquals("queued", view(MessageStatus.PENDING, null).path("status").asText());
        assertTrue(SendApiService.statusView(record(MessageStatus.REJECTED, null)).isEmpty(),
                "a message answered 503 does not exist for the caller");
    }

    private static JsonNode view(MessageStatus status, DeliveryError error) {
        return SendApiService.statusView(record(status, error)).orElseThrow();
    }

    private static MessageRecord record(MessageStatus status, DeliveryError error) {
        return new MessageRecord("m-1", "1234567890", new Recipient(RecipientType.UUID, "u-1"), "text", status, 1,
                NOW, NOW, null, null, error, List.of(), null, null, null, null, false);
    }
}
