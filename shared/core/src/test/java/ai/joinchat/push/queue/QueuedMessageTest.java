package ai.joinchat.push.queue;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QueuedMessageTest {

    private static final QueuedMessage MESSAGE = new QueuedMessage("m-1", "42", new Recipient(RecipientType.ID, "7"),
            "text", Json.object().put("text", "hi"), "UPDATE", null, List.of(), Instant.ofEpochMilli(1_000),
            Instant.ofEpochMilli(2_000));

    @Test
    void aCopyCarriesTheSendFacebookAcceptedAndABodyWithoutOneReadsAsNotSent() {
        QueuedMessage.Sent sent = new QueuedMessage.Sent("m_fb", "7", Instant.ofEpochMilli(1_500));
        assertEquals(sent, QueuedMessage.fromJson(MESSAGE.withSent(sent).toJson()).sent());
        assertNull(QueuedMessage.fromJson(MESSAGE.toJson()).sent(), "the send API's bodies are unchanged");
        assertNull(QueuedMessage.fromJson(MESSAGE.withSent(new QueuedMessage.Sent("m_fb", null, Instant.EPOCH))
                .toJson()).sent().psid());
    }

    @Test
    void aSentMarkThatCannotBeReadMakesTheBodyUnreadableRatherThanSendable() {
        String body = MESSAGE.toJson().replace("\"v\":", "\"sent\":{\"psid\":\"7\"},\"v\":");
        assertThrows(IllegalArgumentException.class, () -> QueuedMessage.fromJson(body));
    }
}
