package ai.joinchat.push.webhook;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.webhook.WebhookEvent.Channel;
import ai.joinchat.push.webhook.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.WebhookEvent.EventKind;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.WebhookEvent.Read;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.WebhookEvent.UnknownEvent;
import ai.joinchat.push.webhook.WebhookPayloadParser.WebhookPayload;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static ai.joinchat.push.webhook.TestPayloads.PAGE_ID;
import static ai.joinchat.push.webhook.TestPayloads.PSID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebhookPayloadParserTest {

    private final TestPayloads.CapturedLog log = new TestPayloads.CapturedLog();
    private final WebhookPayloadParser parser = new WebhookPayloadParser(log.logger);

    private WebhookEvent only(String seed) {
        WebhookPayload payload = parser.parse(TestPayloads.seedJson(seed));
        assertTrue(payload.isPage());
        assertEquals(1, payload.entries());
        assertEquals(0, payload.skipped(), log.text());
        assertEquals(1, payload.events().size());
        return payload.events().get(0);
    }

    private static JsonNode json(String text) {
        return Json.parse(text);
    }

    @Nested
    class MessageEchoes {

        @Test
        void text() {
            MessageEcho echo = assertInstanceOf(MessageEcho.class, only("echo-text.json"));
            assertEquals(PAGE_ID, echo.pageId());
            assertEquals(Channel.MESSAGING, echo.channel());
            assertEquals(PSID, echo.psid());
            assertEquals("mid.1457764197618:41d102a3e1ae206a38", echo.mid());
            assertEquals("1517776481860111", echo.appId());
            assertEquals("msg_0001", echo.metadata());
            assertEquals("hello, world!", echo.text());
            assertNull(echo.attachmentsJson());
            assertEquals(1457764197627L, echo.timestamp());
            assertEquals(EventKind.ECHO, echo.kind());
            assertEquals("echo#mid.1457764197618:41d102a3e1ae206a38", echo.eventKey().orElseThrow());
        }

        @Test
        void image() {
            MessageEcho echo = assertInstanceOf(MessageEcho.class, only("echo-image.json"));
            assertNull(echo.text());
            assertEquals("msg_0002", echo.metadata());
            JsonNode attachments = json(echo.attachmentsJson());
            assertEquals("image", attachments.get(0).get("type").asText());
            // Facebook's \/ escapes are gone once parsed.
            assertEquals("https://scontent.xx.fbcdn.net/v/image.png", attachments.get(0).at("/payload/url").asText());
        }

        @Test
        void buttonTemplate() {
            MessageEcho echo = assertInstanceOf(MessageEcho.class, only("echo-template-button.json"));
            JsonNode payload = json(echo.attachmentsJson()).get(0).get("payload");
            assertEquals("button", payload.get("template_type").asText());
            assertEquals("https://www.messenger.com/", payload.at("/buttons/0/url").asText());
            assertEquals("Visit Messenger", payload.at("/buttons/0/title").asText());
        }

        @Test
        void fallback() {
            MessageEcho echo = assertInstanceOf(MessageEcho.class, only("echo-fallback.json"));
            JsonNode attachment = json(echo.attachmentsJson()).get(0);
            assertEquals("fallback", attachment.get("type").asText());
            assertEquals("Legacy Attachment", attachment.get("title").asText());
            assertTrue(attachment.get("payload").isNull());
        }

        @Test
        void product() {
            MessageEcho echo = assertInstanceOf(MessageEcho.class, only("echo-product.json"));
            JsonNode elements = json(echo.attachmentsJson()).get(0).at("/payload/product/elements");
            assertEquals(2, elements.size());
            assertEquals("SKU-42", elements.get(0).get("retailer_id").asText());
            assertEquals("Some product title", elements.get(0).get("title").asText());
        }

        @Test
        void standbyMediaTemplate() {
            WebhookPayload payload = parser.parse(TestPayloads.seedJson("standby-echo-media.json"));
            MessageEcho echo = assertInstanceOf(MessageEcho.class, payload.events().get(0));
            assertEquals(Channel.STANDBY, echo.channel());
            assertEquals(PAGE_ID, echo.pageId());
            assertEquals(PSID, echo.psid());
            assertEquals("263902037430900", echo.appId());
            assertNull(echo.metadata());
            assertEquals(1570053170673L, echo.timestamp());
            JsonNode attachment = json(echo.attachmentsJson()).get(0);
            assertEquals("https://www.facebook.com/commerce/update/", attachment.get("url").asText());
            assertEquals("media", attachment.at("/payload/template_type").asText());
            assertEquals(2457235337685388L, attachment.at("/payload/elements/0/attachment_id").asLong());
        }
    }

    @Nested
    class Referrals {

        @Test
        void shortlink() {
            Referral referral = assertInstanceOf(Referral.class, only("referral-shortlink.json"));
            assertEquals(PAGE_ID, referral.pageId());
            assertEquals(PSID, referral.psid());
            assertNull(referral.userRef());
            assertEquals("uuid=user-7f3a", referral.ref());
            assertEquals("SHORTLINK", referral.source());
            assertEquals("OPEN_THREAD", referral.type());
            assertFalse(referral.viaPostback());
            assertNull(referral.adId());
            assertNull(referral.adsContextDataJson());
            assertEquals(1458692752478L, referral.timestamp());
            assertTrue(referral.eventKey().orElseThrow().matches("referral#[0-9a-f]{64}"));
        }

        @Test
        void adsWithContextData() {
            Referral referral = assertInstanceOf(Referral.class, only("referral-ads.json"));
            assertEquals("ADS", referral.source());
            assertEquals("summer-sale", referral.ref());
            assertEquals("6045246247433", referral.adId());
            JsonNode context = json(referral.adsContextDataJson());
            assertEquals("Summer sale", context.get("ad_title").asText());
            assertEquals("https://scontent.xx.fbcdn.net/ad.png", context.get("photo_url").asText());
            assertEquals("https://scontent.xx.fbcdn.net/ad-thumb.png", context.get("video_url").asText());
            assertEquals("1234567890_987654321", context.get("post_id").asText());
            assertEquals("3189237561178413", context.get("product_id").asText());
        }

        @Test
        void chatPluginWithUserRef() {
            Referral referral = assertInstanceOf(Referral.class, only("referral-chat-plugin-user-ref.json"));
            assertNull(referral.psid());
            assertEquals("plugin-user-ref-123", referral.userRef());
            assertEquals("CUSTOMER_CHAT_PLUGIN", referral.source());
            assertEquals("https://shop.example.com/cart", referral.refererUri());
            assertEquals(Boolean.TRUE, referral.isGuestUser());
            assertEquals("uuid=site-user-9", referral.ref());
        }

        @Test
        void chatPluginWithPsid() {
            Referral referral = assertInstanceOf(Referral.class, only("referral-chat-plugin-psid.json"));
            assertEquals(PSID, referral.psid());
            assertNull(referral.userRef());
            assertEquals("https://shop.example.com/cart", referral.refererUri());
            assertNull(referral.isGuestUser());
        }

        @Test
        void postbackReferral() {
            Referral referral = assertInstanceOf(Referral.class, only("postback-referral.json"));
            assertTrue(referral.viaPostback());
            assertEquals(PSID, referral.psid());
            assertEquals("uuid=user-7f3a", referral.ref());
            assertEquals("SHORTLINK", referral.source());
            assertEquals(1458692752999L, referral.timestamp());
        }

        @Test
        void unquotedRefAsTheSeedShowsIt() {
            WebhookPayload payload = parser.parse(json("""
                    {"object":"page","entry":[{"id":"1","time":5,"messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},
                     "timestamp":7,"referral":{"ref":12345,"ad_id":6045246247433,"source":"ADS","type":"OPEN_THREAD"}}]}]}
                    """));
            Referral referral = assertInstanceOf(Referral.class, payload.events().get(0));
            assertEquals("12345", referral.ref());
            assertEquals("6045246247433", referral.adId());
        }

        @Test
        void keysAreDeterministicAndTellEventsApart() {
            Referral first = (Referral) only("referral-shortlink.json");
            Referral again = (Referral) parser.parse(TestPayloads.seedJson("referral-shortlink.json")).events().get(0);
            assertEquals(first.eventKey(), again.eventKey());
            Referral later = new Referral(first.pageId(), first.channel(), false, first.psid(), null, first.ref(),
                    first.source(), first.type(), null, null, null, null, first.timestamp() + 1);
            assertNotEquals(first.eventKey(), later.eventKey());
            Referral viaPostback = new Referral(first.pageId(), first.channel(), true, first.psid(), null, first.ref(),
                    first.source(), first.type(), null, null, null, null, first.timestamp());
            assertNotEquals(first.eventKey(), viaPostback.eventKey());
            Referral inStandby = new Referral(first.pageId(), Channel.STANDBY, false, first.psid(), null, first.ref(),
                    first.source(), first.type(), null, null, null, null, first.timestamp());
            assertEquals(first.eventKey(), inStandby.eventKey(), "the channel does not make a different event");
        }
    }

    @Nested
    class OptInsAndReceipts {

        @Test
        void optinWithPsid() {
            OptIn optIn = assertInstanceOf(OptIn.class, only("optin.json"));
            assertEquals(PAGE_ID, optIn.pageId());
            assertEquals(PSID, optIn.psid());
            assertNull(optIn.userRef());
            assertEquals("uuid=newsletter-user-5", optIn.ref());
            assertEquals(1234567890123L, optIn.timestamp());
            assertTrue(optIn.eventKey().orElseThrow().matches("optin#[0-9a-f]{64}"));
        }

        @Test
        void optinWithUserRef() {
            OptIn optIn = assertInstanceOf(OptIn.class, only("optin-user-ref.json"));
            assertNull(optIn.psid());
            assertEquals("checkbox-user-ref-77", optIn.userRef());
            assertEquals("uuid=checkout-user-6", optIn.ref());
        }

        @Test
        void optinUserRefFromSender() {
            WebhookPayload payload = parser.parse(json("""
                    {"object":"page","entry":[{"id":"1","time":5,"messaging":[{"sender":{"user_ref":"ur-1"},
                     "recipient":{"id":"1"},"timestamp":7,"optin":{"ref":"x"}}]}]}
                    """));
            assertEquals("ur-1", assertInstanceOf(OptIn.class, payload.events().get(0)).userRef());
        }

        @Test
        void deliveryWithoutOwnTimestampUsesTheEntryTime() {
            Delivery delivery = assertInstanceOf(Delivery.class, only("delivery.json"));
            assertEquals(PAGE_ID, delivery.pageId());
            assertEquals(PSID, delivery.psid());
            assertEquals(List.of("mid.1458668856218:ed81099e15d3f4f233"), delivery.mids());
            assertEquals(1458668856253L, delivery.watermark());
            assertEquals(1458696618300L, delivery.timestamp());
            assertTrue(delivery.eventKey().orElseThrow().matches("delivery#[0-9a-f]{64}"));
            Delivery laterEntry = new Delivery(delivery.pageId(), delivery.channel(), delivery.psid(), delivery.mids(),
                    delivery.watermark(), delivery.timestamp() + 1000);
            assertEquals(delivery.eventKey(), laterEntry.eventKey());
        }

        @Test
        void read() {
            Read read = assertInstanceOf(Read.class, only("read.json"));
            assertEquals(PSID, read.psid());
            assertEquals(1458668856253L, read.watermark());
            assertEquals(1458668856463L, read.timestamp());
            assertTrue(read.eventKey().orElseThrow().matches("read#[0-9a-f]{64}"));
        }
    }

    @Nested
    class QuickReplies {

        @Test
        void phone() {
            QuickReply reply = assertInstanceOf(QuickReply.class, only("quick-reply-phone.json"));
            assertEquals(PAGE_ID, reply.pageId());
            assertEquals(PSID, reply.psid());
            assertEquals("m_phone-1", reply.mid());
            assertEquals("+1 (650) 555-0123", reply.payload());
            assertEquals("quick_reply#m_phone-1", reply.eventKey().orElseThrow());
        }

        @Test
        void email() {
            QuickReply reply = assertInstanceOf(QuickReply.class, only("quick-reply-email.json"));
            assertEquals("Jane.Doe@Example.com", reply.payload());
            assertEquals(1458692752478L, reply.timestamp());
        }
    }

    @Nested
    class Tolerance {

        @Test
        void otherObjectsAreNotParsed() {
            WebhookPayload payload = parser.parse(json("""
                    {"object":"instagram","entry":[{"id":"1","time":5,"messaging":[{"sender":{"id":"2"},
                     "recipient":{"id":"1"},"timestamp":7,"read":{"watermark":6}}]}]}
                    """));
            assertFalse(payload.isPage());
            assertEquals("instagram", payload.object());
            assertEquals(1, payload.entries());
            assertTrue(payload.events().isEmpty());
        }

        @Test
        void unknownKindsAreKeptAsUnknownAndNeverRecorded() {
            WebhookPayload payload = parser.parse(json("""
                    {"object":"page","entry":[{"id":"1","time":5,"messaging":[
                      {"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":7,"message":{"mid":"m1","text":"hi"}},
                      {"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":8,"postback":{"title":"Go","payload":"GO"}},
                      {"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":9,"reaction":{"mid":"m1","action":"react"}},
                      {"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":10}
                    ]}]}
                    """));
            assertEquals(0, payload.skipped());
            assertEquals(List.of("message", "postback", "reaction", "none"),
                    payload.events().stream().map(e -> ((UnknownEvent) e).type()).toList());
            assertTrue(payload.events().stream().allMatch(e -> e.eventKey().isEmpty()));
            assertEquals(Map.of(EventKind.UNKNOWN, 4), payload.countsByKind());
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "\"not an object\"",
                "{\"sender\":{\"id\":\"1\"},\"recipient\":{\"id\":\"2\"},\"timestamp\":3,\"message\":{\"is_echo\":true}}",
                "{\"recipient\":{\"id\":\"1\"},\"timestamp\":3,\"referral\":{\"ref\":\"uuid=a\"}}",
                "{\"recipient\":{\"id\":\"1\"},\"timestamp\":3,\"optin\":{\"ref\":\"uuid=a\"}}",
                "{\"sender\":{\"id\":\"2\"},\"recipient\":{\"id\":\"1\"},\"delivery\":{\"mids\":[]}}",
                "{\"sender\":{\"id\":\"2\"},\"recipient\":{\"id\":\"1\"},\"timestamp\":3,\"read\":{}}",
                "{\"recipient\":{\"id\":\"1\"},\"timestamp\":3,\"read\":{\"watermark\":2}}",
                "{\"recipient\":{\"id\":\"1\"},\"timestamp\":3,\"message\":{\"mid\":\"m\",\"quick_reply\":{\"payload\":\"x\"}}}",
                "{\"sender\":{\"id\":\"2\"},\"recipient\":{\"id\":\"1\"},\"referral\":{\"ref\":\"uuid=a\"}}"
        })
        void aMalformedEventIsSkippedWithAWarningAndTheRestOfTheBatchSurvives(String malformed) {
            // The entry has neither id nor time, so nothing can be borrowed from it.
            WebhookPayload payload = parser.parse(json("""
                    {"object":"page","entry":[{"messaging":[%s,
                      {"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":7,"read":{"watermark":6}}]}]}
                    """.formatted(malformed)));
            assertEquals(1, payload.skipped());
            assertEquals(1, payload.events().size());
            assertInstanceOf(Read.class, payload.events().get(0));
            assertTrue(log.text().contains("\"event\":\"webhook_event_skipped\""), log.text());
            assertTrue(log.text().contains("\"level\":\"WARN\""));
        }

        @Test
        void badEntriesAndArraysAreSkipped() {
            WebhookPayload payload = parser.parse(json("""
                    {"object":"page","entry":[42, {"id":"1","messaging":{"not":"an array"}},
                      {"id":"1","time":5,"standby":[{"sender":{"id":"2"},"recipient":{"id":"1"},"read":{"watermark":6}}]}]}
                    """));
            assertEquals(3, payload.entries());
            assertEquals(2, payload.skipped());
            Read read = assertInstanceOf(Read.class, payload.events().get(0));
            assertEquals(Channel.STANDBY, read.channel());
            assertEquals(5L, read.timestamp());
        }

        @Test
        void everyEntryAndBothArraysAreRead() {
            WebhookPayload payload = parser.parse(json("""
                    {"object":"page","entry":[
                      {"id":"1","time":5,
                       "messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":7,"read":{"watermark":6}}],
                       "standby":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":8,"message":{"is_echo":true,"mid":"m1"}}]},
                      {"id":"9","time":5,
                       "messaging":[{"sender":{"id":"3"},"recipient":{"id":"9"},"timestamp":7,"delivery":{"mids":["m2"]}}]}
                    ]}
                    """));
            assertEquals(2, payload.entries());
            assertEquals(List.of(EventKind.READ, EventKind.ECHO, EventKind.DELIVERY),
                    payload.events().stream().map(WebhookEvent::kind).toList());
            assertEquals("9", payload.events().get(2).pageId());
        }

        @Test
        void noEntryAtAll() {
            WebhookPayload payload = parser.parse(json("{\"object\":\"page\"}"));
            assertEquals(0, payload.entries());
            assertTrue(payload.events().isEmpty());
        }
    }
}
