package ai.joinchat.push.worker.graph;

import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphMessageMapperTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("bad test JSON", e);
        }
    }

    private static OutboundMessage read(String templateType, JsonNode message) {
        return MessageJson.read(templateType, message);
    }

    private static void assertJson(String expected, JsonNode actual) {
        assertEquals(json(expected), actual, () -> "actual: " + actual.toPrettyString());
    }

    @Test
    void textWithAllThreeQuickReplyKinds() {
        JsonNode message = json("""
                {
                  "template_type": "text",
                  "text": "Pick one",
                  "quick_replies": [
                    {"content_type": "text", "title": "Red", "payload": "RED",
                     "image_url": "https://example.com/red.png"},
                    {"content_type": "text", "title": "Green", "payload": "GREEN"},
                    {"content_type": "user_phone_number"},
                    {"content_type": "user_email"}
                  ]
                }
                """);

        ObjectNode out = GraphSendClient.toSendApiMessage(read("text", message), "msg-1");

        assertJson("""
                {
                  "text": "Pick one",
                  "quick_replies": [
                    {"content_type": "text", "title": "Red", "payload": "RED",
                     "image_url": "https://example.com/red.png"},
                    {"content_type": "text", "title": "Green", "payload": "GREEN"},
                    {"content_type": "user_phone_number"},
                    {"content_type": "user_email"}
                  ],
                  "metadata": "msg-1"
                }
                """, out);
    }

    @Test
    void plainTextWithoutQuickRepliesHasNoQuickRepliesField() {
        ObjectNode out = GraphSendClient.toSendApiMessage(read("text", json("{\"template_type\":\"text\",\"text\":\"Hello World\"}")), "msg-2");

        assertJson("{\"text\":\"Hello World\",\"metadata\":\"msg-2\"}", out);
    }

    @Test
    void buttonTemplateWithAllThreeButtonKinds() {
        JsonNode message = json("""
                {
                  "template_type": "button",
                  "text": "What do you want to do next?",
                  "buttons": [
                    {"type": "web_url", "url": "https://www.messenger.com", "title": "Visit Messenger",
                     "webview_height_ratio": "compact", "messenger_extensions": true,
                     "fallback_url": "https://www.messenger.com/fallback"},
                    {"type": "postback", "title": "Start", "payload": "{\\"block_id\\":\\"123\\"}"},
                    {"type": "phone_number", "title": "Call us", "payload": "+15105551234"}
                  ],
                  "quick_replies": [{"content_type": "user_email"}]
                }
                """);

        ObjectNode out = GraphSendClient.toSendApiMessage(read("button", message), "msg-3");

        assertJson("""
                {
                  "attachment": {
                    "type": "template",
                    "payload": {
                      "template_type": "button",
                      "text": "What do you want to do next?",
                      "buttons": [
                        {"type": "web_url", "url": "https://www.messenger.com", "title": "Visit Messenger",
                         "webview_height_ratio": "compact", "messenger_extensions": true,
                         "fallback_url": "https://www.messenger.com/fallback"},
                        {"type": "postback", "title": "Start", "payload": "{\\"block_id\\":\\"123\\"}"},
                        {"type": "phone_number", "title": "Call us", "payload": "+15105551234"}
                      ]
                    }
                  },
                  "quick_replies": [{"content_type": "user_email"}],
                  "metadata": "msg-3"
                }
                """, out);
    }

    /** The generic example of seed 000, with the seed's trailing commas removed. */
    @Test
    void genericSeedExample() {
        JsonNode message = json("""
                {
                  "template_type": "generic",
                  "elements": [
                    {
                      "title": "Welcome!",
                      "image_url": "https://petersfancybrownhats.com/company_image.png",
                      "subtitle": "We have the right hat for everyone.",
                      "default_action": {
                        "type": "web_url",
                        "url": "https://petersfancybrownhats.com/view?item=103",
                        "webview_height_ratio": "tall"
                      },
                      "buttons": [
                        {"type": "web_url", "url": "https://petersfancybrownhats.com", "title": "View Website"},
                        {"type": "postback", "title": "Start Chatting", "payload": "DEVELOPER_DEFINED_PAYLOAD"}
                      ]
                    }
                  ],
                  "image_aspect_ratio": "square",
                  "sharable": true
                }
                """);

        ObjectNode out = GraphSendClient.toSendApiMessage(read("generic", message), "msg-4");

        assertJson("""
                {
                  "attachment": {
                    "type": "template",
                    "payload": {
                      "template_type": "generic",
                      "elements": [
                        {
                          "title": "Welcome!",
                          "image_url": "https://petersfancybrownhats.com/company_image.png",
                          "subtitle": "We have the right hat for everyone.",
                          "default_action": {
                            "type": "web_url",
                            "url": "https://petersfancybrownhats.com/view?item=103",
                            "webview_height_ratio": "tall"
                          },
                          "buttons": [
                            {"type": "web_url", "url": "https://petersfancybrownhats.com", "title": "View Website"},
                            {"type": "postback", "title": "Start Chatting", "payload": "DEVELOPER_DEFINED_PAYLOAD"}
                          ]
                        }
                      ],
                      "image_aspect_ratio": "square",
                      "sharable": true
                    }
                  },
                  "metadata": "msg-4"
                }
                """, out);
    }

    /** The list example of seed 000: delivered as a generic carousel without list-level fields. */
    @Test
    void listSeedExampleBecomesGenericAndDropsListLevelButton() {
        JsonNode message = json("""
                {
                  "template_type": "list",
                  "top_element_style": "compact",
                  "elements": [
                    {
                      "title": "Classic T-Shirt Collection",
                      "subtitle": "See all our colors",
                      "image_url": "https://peterssendreceiveapp.ngrok.io/img/collection.png",
                      "buttons": [
                        {
                          "title": "View",
                          "type": "web_url",
                          "url": "https://peterssendreceiveapp.ngrok.io/collection",
                          "messenger_extensions": true,
                          "webview_height_ratio": "tall",
                          "fallback_url": "https://peterssendreceiveapp.ngrok.io/"
                        }
                      ]
                    },
                    {
                      "title": "Classic White T-Shirt",
                      "subtitle": "See all our colors",
                      "default_action": {
                        "type": "web_url",
                        "url": "https://peterssendreceiveapp.ngrok.io/view?item=100",
                        "messenger_extensions": false,
                        "webview_height_ratio": "tall"
                      }
                    },
                    {
                      "title": "Classic Blue T-Shirt",
                      "image_url": "https://peterssendreceiveapp.ngrok.io/img/blue-t-shirt.png",
                      "subtitle": "100% Cotton, 200% Comfortable",
                      "default_action": {
                        "type": "web_url",
                        "url": "https://peterssendreceiveapp.ngrok.io/view?item=101",
                        "messenger_extensions": true,
                        "webview_height_ratio": "tall",
                        "fallback_url": "https://peterssendreceiveapp.ngrok.io/"
                      },
                      "buttons": [
                        {
                          "title": "Shop Now",
                          "type": "web_url",
                          "url": "https://peterssendreceiveapp.ngrok.io/shop?item=101",
                          "messenger_extensions": true,
                          "webview_height_ratio": "tall",
                          "fallback_url": "https://peterssendreceiveapp.ngrok.io/"
                        }
                      ]
                    }
                  ],
                  "buttons": [
                    {"title": "View More", "type": "postback", "payload": "payload"}
                  ]
                }
                """);

        ObjectNode out = GraphSendClient.toSendApiMessage(read("list", message), "msg-5");

        assertJson("""
                {
                  "attachment": {
                    "type": "template",
                    "payload": {
                      "template_type": "generic",
                      "elements": [
                        {
                          "title": "Classic T-Shirt Collection",
                          "subtitle": "See all our colors",
                          "image_url": "https://peterssendreceiveapp.ngrok.io/img/collection.png",
                          "buttons": [
                            {
                              "type": "web_url",
                              "url": "https://peterssendreceiveapp.ngrok.io/collection",
                              "title": "View",
                              "messenger_extensions": true,
                              "webview_height_ratio": "tall",
                              "fallback_url": "https://peterssendreceiveapp.ngrok.io/"
                            }
                          ]
                        },
                        {
                          "title": "Classic White T-Shirt",
                          "subtitle": "See all our colors",
                          "default_action": {
                            "type": "web_url",
                            "url": "https://peterssendreceiveapp.ngrok.io/view?item=100",
                            "messenger_extensions": false,
                            "webview_height_ratio": "tall"
                          }
                        },
                        {
                          "title": "Classic Blue T-Shirt",
                          "image_url": "https://peterssendreceiveapp.ngrok.io/img/blue-t-shirt.png",
                          "subtitle": "100% Cotton, 200% Comfortable",
                          "default_action": {
                            "type": "web_url",
                            "url": "https://peterssendreceiveapp.ngrok.io/view?item=101",
                            "messenger_extensions": true,
                            "webview_height_ratio": "tall",
                            "fallback_url": "https://peterssendreceiveapp.ngrok.io/"
                          },
                          "buttons": [
                            {
                              "type": "web_url",
                              "url": "https://peterssendreceiveapp.ngrok.io/shop?item=101",
                              "title": "Shop Now",
                              "messenger_extensions": true,
                              "webview_height_ratio": "tall",
                              "fallback_url": "https://peterssendreceiveapp.ngrok.io/"
                            }
                          ]
                        }
                      ]
                    }
                  },
                  "metadata": "msg-5"
                }
                """, out);
        JsonNode payload = out.path("attachment").path("payload");
        assertFalse(payload.has("top_element_style"));
        assertFalse(payload.has("buttons"));
    }

    /** The receipt example of seed 001: numbers keep their JSON type, timestamp is a string. */
    @Test
    void receiptSeedExample() {
        JsonNode message = json("""
                {
                  "template_type": "receipt",
                  "recipient_name": "Stephane Crozatier",
                  "order_number": "12345678902",
                  "currency": "USD",
                  "payment_method": "Visa 2345",
                  "order_url": "http://petersapparel.parseapp.com/order?order_id=123456",
                  "timestamp": "1428444852",
                  "address": {
                    "street_1": "1 Hacker Way",
                    "street_2": "",
                    "city": "Menlo Park",
                    "postal_code": "94025",
                    "state": "CA",
                    "country": "US"
                  },
                  "summary": {
                    "subtotal": 75.00,
                    "shipping_cost": 4.95,
                    "total_tax": 6.19,
                    "total_cost": 56.14
                  },
                  "adjustments": [
                    {"name": "New Customer Discount", "amount": 20},
                    {"name": "$10 Off Coupon", "amount": 10}
                  ],
                  "elements": [
                    {
                      "title": "Classic White T-Shirt",
                      "subtitle": "100% Soft and Luxurious Cotton",
                      "quantity": 2,
                      "price": 50,
                      "currency": "USD",
                      "image_url": "http://petersapparel.parseapp.com/img/whiteshirt.png"
                    },
                    {
                      "title": "Classic Gray T-Shirt",
                      "subtitle": "100% Soft and Luxurious Cotton",
                      "quantity": 1,
                      "price": 25,
                      "currency": "USD",
                      "image_url": "http://petersapparel.parseapp.com/img/grayshirt.png"
                    }
                  ]
                }
                """);

        ObjectNode out = GraphSendClient.toSendApiMessage(read("receipt", message), "msg-6");

        assertJson("""
                {
                  "attachment": {
                    "type": "template",
                    "payload": {
                      "template_type": "receipt",
                      "recipient_name": "Stephane Crozatier",
                      "order_number": "12345678902",
                      "currency": "USD",
                      "payment_method": "Visa 2345",
                      "order_url": "http://petersapparel.parseapp.com/order?order_id=123456",
                      "timestamp": "1428444852",
                      "address": {
                        "street_1": "1 Hacker Way",
                        "street_2": "",
                        "city": "Menlo Park",
                        "postal_code": "94025",
                        "state": "CA",
                        "country": "US"
                      },
                      "summary": {
                        "subtotal": 75.00,
                        "shipping_cost": 4.95,
                        "total_tax": 6.19,
                        "total_cost": 56.14
                      },
                      "adjustments": [
                        {"name": "New Customer Discount", "amount": 20},
                        {"name": "$10 Off Coupon", "amount": 10}
                      ],
                      "elements": [
                        {
                          "title": "Classic White T-Shirt",
                          "subtitle": "100% Soft and Luxurious Cotton",
                          "quantity": 2,
                          "price": 50,
                          "currency": "USD",
                          "image_url": "http://petersapparel.parseapp.com/img/whiteshirt.png"
                        },
                        {
                          "title": "Classic Gray T-Shirt",
                          "subtitle": "100% Soft and Luxurious Cotton",
                          "quantity": 1,
                          "price": 25,
                          "currency": "USD",
                          "image_url": "http://petersapparel.parseapp.com/img/grayshirt.png"
                        }
                      ]
                    }
                  },
                  "metadata": "msg-6"
                }
                """, out);
        JsonNode payload = out.path("attachment").path("payload");
        assertTrue(payload.path("summary").path("total_cost").isNumber());
        assertTrue(payload.path("elements").path(0).path("quantity").isIntegralNumber());
    }

    @Test
    void receiptMinimalWithNumericTimestampSendsItAsString() {
        JsonNode message = json("""
                {"template_type": "receipt", "recipient_name": "A", "order_number": "1",
                 "currency": "EUR", "payment_method": "Cash", "timestamp": 1428444852,
                 "summary": {"total_cost": 10}}
                """);

        ObjectNode out = GraphSendClient.toSendApiMessage(read("receipt", message), "msg-7");

        assertJson("""
                {
                  "attachment": {"type": "template", "payload": {
                    "template_type": "receipt", "recipient_name": "A", "order_number": "1",
                    "currency": "EUR", "payment_method": "Cash", "timestamp": "1428444852",
                    "summary": {"total_cost": 10}
                  }},
                  "metadata": "msg-7"
                }
                """, out);
    }

    @Test
    void unknownFieldsAreDroppedAndNullOptionalsOmitted() {
        JsonNode message = json("""
                {
                  "template_type": "generic",
                  "colour": "blue",
                  "top_element_style": "large",
                  "elements": [
                    {
                      "title": "T", "subtitle": null, "extra": 1,
                      "default_action": {"type": "web_url", "url": "https://a.example", "title": "no title here",
                                         "bogus": true},
                      "buttons": [
                        {"type": "web_url", "url": "https://b.example", "title": "B", "payload": "x", "junk": 2},
                        {"type": "postback", "title": "P", "payload": "p", "url": "https://c.example"},
                        {"type": "phone_number", "title": "Call", "payload": "+123456789", "extra": {}}
                      ]
                    }
                  ],
                  "quick_replies": [
                    {"content_type": "user_phone_number", "title": "ignored", "payload": "ignored"},
                    {"content_type": "text", "title": "Q", "payload": "q", "extra": "x"}
                  ]
                }
                """);

        ObjectNode out = GraphSendClient.toSendApiMessage(read("generic", message), "msg-8");

        assertJson("""
                {
                  "attachment": {"type": "template", "payload": {
                    "template_type": "generic",
                    "elements": [
                      {
                        "title": "T",
                        "default_action": {"type": "web_url", "url": "https://a.example"},
                        "buttons": [
                          {"type": "web_url", "url": "https://b.example", "title": "B"},
                          {"type": "postback", "title": "P", "payload": "p"},
                          {"type": "phone_number", "title": "Call", "payload": "+123456789"}
                        ]
                      }
                    ]
                  }},
                  "quick_replies": [
                    {"content_type": "user_phone_number"},
                    {"content_type": "text", "title": "Q", "payload": "q"}
                  ],
                  "metadata": "msg-8"
                }
                """, out);
    }

    @Test
    void metadataIsAlwaysCarriedAndOmittedOnlyWhenNull() {
        JsonNode message = json("{\"template_type\":\"text\",\"text\":\"Hi\"}");

        assertEquals("0b7e5c2a-1f7d-4a8e-9d6c-2c5a7e1f0a11",
                GraphSendClient.toSendApiMessage(read("text", message), "0b7e5c2a-1f7d-4a8e-9d6c-2c5a7e1f0a11")
                        .path("metadata").textValue());
        assertFalse(GraphSendClient.toSendApiMessage(read("text", message), null).has("metadata"));
    }

    @Test
    void templateTypeDefaultsToTheMessageField() {
        JsonNode message = json("{\"template_type\":\"text\",\"text\":\"Hi\"}");

        assertJson("{\"text\":\"Hi\",\"metadata\":\"m\"}", GraphSendClient.toSendApiMessage(read(null, message), "m"));
    }

    @Test
    void unknownTemplateOrButtonTypeIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> GraphSendClient.toSendApiMessage(read("media", json("{\"template_type\":\"media\"}")), "m"));
        assertThrows(IllegalArgumentException.class, () -> GraphSendClient.toSendApiMessage(read("button", json("""
                {"template_type":"button","text":"t","buttons":[{"type":"account_link","url":"https://x"}]}
                """)), "m"));
    }

    @Test
    void aQueuedMessageThisVersionCannotReadIsRejectedWhenMapped() {
        OutboundMessage unreadable = MessageJson.readQueued("button", json("""
                {"template_type":"button","text":"t","buttons":[{"type":"account_link","url":"https://x"}]}
                """));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GraphSendClient.toSendApiMessage(unreadable, "m"));
        assertEquals("unsupported button type: account_link", e.getMessage());
    }

    @Test
    void bodyWithTag() {
        QueuedMessage message = queued("msg-9", "MESSAGE_TAG", "HUMAN_AGENT");
        ObjectNode recipient = (ObjectNode) json("{\"id\":\"1234567890\"}");

        ObjectNode body = GraphSendClient.toSendApiBody(recipient, message);

        assertJson("""
                {
                  "recipient": {"id": "1234567890"},
                  "messaging_type": "MESSAGE_TAG",
                  "tag": "HUMAN_AGENT",
                  "message": {"text": "Hi", "metadata": "msg-9"}
                }
                """, body);
    }

    @Test
    void bodyWithoutTag() {
        QueuedMessage message = queued("msg-10", "UPDATE", null);
        ObjectNode recipient = (ObjectNode) json("{\"phone_number\":\"+8613800138000\"}");

        ObjectNode body = GraphSendClient.toSendApiBody(recipient, message);

        assertJson("""
                {
                  "recipient": {"phone_number": "+8613800138000"},
                  "messaging_type": "UPDATE",
                  "message": {"text": "Hi", "metadata": "msg-10"}
                }
                """, body);
        assertFalse(body.has("tag"));
    }

    /** A queued text message "Hi" (the Send API body's inputs besides its recipient). */
    private static QueuedMessage queued(String messageId, String messagingType, String tag) {
        return new QueuedMessage(messageId, "1234567890", new Recipient(RecipientType.ID, "1234567890"),
                read("text", json("{\"text\":\"Hi\"}")), messagingType, tag, List.of(), Instant.EPOCH, null,
                null, null, null);
    }
}
