package ai.joinchat.push.queue;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.message.Button;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.OutboundMessage.ButtonTemplate;
import ai.joinchat.push.message.OutboundMessage.Element;
import ai.joinchat.push.message.OutboundMessage.GenericTemplate;
import ai.joinchat.push.message.OutboundMessage.ListTemplate;
import ai.joinchat.push.message.OutboundMessage.ReceiptTemplate;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.message.OutboundMessage.UnreadableMessage;
import ai.joinchat.push.message.OutboundMessage.UrlTarget;
import ai.joinchat.push.message.QuickReply;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QueuedMessageTest {

    private static final QueuedMessage MESSAGE = new QueuedMessage("m-1", "42", new Recipient(RecipientType.ID, "7"),
            new TextMessage("hi", List.of()), "UPDATE", null, List.of(), Instant.ofEpochMilli(1_000),
            Instant.ofEpochMilli(2_000), null, null, null);

    /**
     * A receipt as the previous version queued it: the validator's normalised copy of the
     * request's message (template_type inside, an unknown field kept, the timestamp an integer).
     */
    private static final String PREVIOUS_VERSION_BODY = """
            {"v":2,"message_id":"m-old","page_id":"42","recipient":{"type":"phone","value":"+15105551234"},
             "template_type":"receipt",
             "message":{"template_type":"receipt","recipient_name":"A","order_number":"1","currency":"USD",
               "payment_method":"Visa","timestamp":1428444852,"custom":"kept","sharable":false,
               "summary":{"total_cost":56.14,"subtotal":75},
               "adjustments":[{"name":"Coupon","amount":10}],
               "elements":[{"title":"Shirt","price":50,"quantity":2,"currency":"USD"}],
               "quick_replies":[{"content_type":"user_email"},{"content_type":"text","title":"Ok","payload":"OK"}]},
             "messaging_type":"MESSAGE_TAG","tag":"POST_PURCHASE_UPDATE","warnings":["w"],
             "accepted_at":"2026-12-01T10:00:00Z","decide_by":1764583215000}""";

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

    @Test
    void aBodyThePreviousVersionQueuedReadsAsTheTypedMessage() {
        QueuedMessage old = QueuedMessage.fromJson(PREVIOUS_VERSION_BODY);

        ReceiptTemplate expected = new ReceiptTemplate("A", "1", "USD", "Visa", null, "1428444852", false, null,
                new ReceiptTemplate.Summary(75, null, null, new BigDecimal("56.14")),
                List.of(new ReceiptTemplate.Adjustment("Coupon", 10)),
                List.of(new ReceiptTemplate.Item("Shirt", null, 2, 50, "USD", null)),
                List.of(new QuickReply.UserEmail(), new QuickReply.Text("Ok", "OK", null)));
        assertEquals(expected, old.message());
        assertEquals("receipt", old.message().templateType());
        assertEquals("POST_PURCHASE_UPDATE", old.tag());
        assertEquals(Instant.ofEpochMilli(1764583215000L), old.decideBy());
        assertEquals(Json.parse("""
                {"template_type":"receipt","recipient_name":"A","order_number":"1","currency":"USD",
                 "payment_method":"Visa","timestamp":"1428444852","sharable":false,
                 "summary":{"subtotal":75,"total_cost":56.14},
                 "adjustments":[{"name":"Coupon","amount":10}],
                 "elements":[{"title":"Shirt","quantity":2,"price":50,"currency":"USD"}],
                 "quick_replies":[{"content_type":"user_email"},{"content_type":"text","title":"Ok","payload":"OK"}]}
                """), Json.parse(old.toJson()).get("message"),
                "the same message object, less the unknown field, the timestamp as the Send API takes it");
    }

    @Test
    void everyTemplateComesBackFromItsQueueBodyAsItWent() {
        UrlTarget site = new UrlTarget("https://example.com", "tall", true, "https://example.com/f");
        List<Button> buttons = List.of(new Button.WebUrl("Visit", site), new Button.Postback("Go", "{\"a\":1}"),
                new Button.PhoneNumber("Call", "+15105551234"));
        List<Element> elements = List.of(new Element("One", "s", "https://example.com/1.png", site, buttons),
                new Element("Two", null, null, null, List.of()));
        List<QuickReply> replies = List.of(new QuickReply.Text("Red", "RED", "https://example.com/r.png"),
                new QuickReply.UserPhoneNumber(), new QuickReply.UserEmail());
        List<OutboundMessage> messages = List.of(
                new TextMessage("hi", replies),
                new ButtonTemplate("pick", buttons, true, List.of()),
                new GenericTemplate(elements, "square", false, replies),
                new ListTemplate(elements, null, List.of()),
                new ReceiptTemplate("A", "1", "EUR", "Cash", "https://example.com/o", "1428444852", null,
                        new ReceiptTemplate.Address("1 Way", null, "Town", "1000", "CA", "US"),
                        new ReceiptTemplate.Summary(new BigDecimal("75.5"), 5, null, new BigDecimal("80.25")),
                        List.of(), List.of(new ReceiptTemplate.Item("X", "y", null, 1, null, null)), replies));

        for (OutboundMessage message : messages) {
            QueuedMessage queued = new QueuedMessage("m-" + message.templateType(), "42", MESSAGE.recipient(),
                    message, "UPDATE", null, List.of(), Instant.ofEpochMilli(1_000), Instant.ofEpochMilli(2_000),
                    null, null, null);
            QueuedMessage read = QueuedMessage.fromJson(queued.toJson());
            assertEquals(message, read.message());
            assertEquals(message.templateType(), Json.parse(queued.toJson()).path("template_type").asText());
        }
    }

    @Test
    void aMessageThisVersionCannotReadLeavesTheRestOfTheBodyReadable() {
        String body = MESSAGE.toJson().replace("\"template_type\":\"text\"", "\"template_type\":\"carousel\"");

        QueuedMessage read = QueuedMessage.fromJson(body);

        UnreadableMessage message = assertInstanceOf(UnreadableMessage.class, read.message());
        assertEquals("carousel", read.message().templateType());
        assertEquals("unsupported template_type: carousel", message.reason());
        assertEquals("m-1", read.messageId());
        assertEquals(List.of(), MessageJson.readQueued("text", Json.parse("{\"text\":1}")).quickReplies());
    }
}
