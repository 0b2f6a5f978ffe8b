package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.worker.delivery.DeliveryOutcome;
import ai.joinchat.push.worker.delivery.Disposition;
import ai.joinchat.push.worker.delivery.MessageDelivery;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.http.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageDeliveryTest {

    @RegisterExtension
    static final WireMockExtension graph = WireMockExtension.newInstance().options(options().dynamicPort()).build();
    private WorkerFixture fixture;
    private MessageDelivery.Result lastResult;

    @BeforeEach
    void setUp() {
        fixture = new WorkerFixture(graph.baseUrl());
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** Delivers without a deadline; the result stays in {@link #lastResult}. */
    private DeliveryOutcome deliver(QueuedMessage message, int receiveCount) {
        lastResult = fixture.delivery.deliver(message, receiveCount, Deadline.none());
        return lastResult.outcome();
    }

    /** True when the last delivery is reported in {@code batchItemFailures}. */
    private boolean handedBack() {
        return !(lastResult.disposition() instanceof Disposition.Ack
                || lastResult.disposition() instanceof Disposition.Requeue);
    }

    private static void graphAnswers(String psid, String mid) {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(okJson("{\"recipient_id\":\"" + psid + "\",\"message_id\":\"" + mid + "\"}")));
    }

    private static void graphFails(int status, String errorJson) {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                        .withBody(errorJson)));
    }

    private static String graphError(int code, Integer subcode) {
        return "{\"error\":{\"message\":\"(#" + code + ") test error\",\"type\":\"OAuthException\",\"code\":" + code
                + (subcode == null ? "" : ",\"error_subcode\":" + subcode) + ",\"fbtrace_id\":\"AbC\"}}";
    }

    private MessageRecord record(QueuedMessage message) {
        return fixture.records.get(message.messageId());
    }

    // ---- success and recipient resolution -----------------------------------------------------

    @Test
    void sendsToPsidWithBearerTokenProofAndMetadataAndRecordsSent() {
        graphAnswers("24681357", "m_abc");
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-1", "id", "24681357", "Hello from JoinChat"));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .withHeader("Authorization", equalTo("Bearer " + WorkerFixture.PAGE_TOKEN))
                .withQueryParam("appsecret_proof",
                        equalTo(Sha256.appSecretProof(WorkerFixture.PAGE_TOKEN, WorkerFixture.APP_SECRET)))
                .withRequestBody(equalToJson("""
                        {"recipient":{"id":"24681357"},"messaging_type":"UPDATE",
                         "message":{"text":"Hello from JoinChat","metadata":"msg-1"}}""")));
        MessageRecord record = record(message);
        assertEquals(MessageStatus.SENT, record.status());
        assertEquals("m_abc", record.facebookMessageId());
        assertEquals("24681357", record.psid());
        assertEquals(1, record.attempts());
        assertNull(record.error());

        JsonNode line = fixture.logLines().stream()
                .filter(l -> "message_delivery".equals(l.path("event").asText())).findFirst().orElseThrow();
        assertEquals("msg-1", line.path("message_id").asText());
        assertEquals(WorkerFixture.PAGE_ID, line.path("page_id").asText());
        assertEquals("sent", line.path("outcome").asText());
        assertEquals("sent", line.path("status").asText());
        assertEquals(1, line.path("attempt").asInt());
        assertTrue(line.has("latency_ms"));
        assertFalse(fixture.logs().contains(WorkerFixture.PAGE_TOKEN), "the token never reaches the logs");
        assertTrue(fixture.metrics().contains("\"MessagesSent\":1"));
        assertTrue(fixture.metrics().contains("\"GraphLatency\""));
    }

    @Test
    void aSentMessageOfferingPhoneOrEmailQuickRepliesRecordsTheOffer() {
        graphAnswers("24681357", "m_offer");
        JsonNode offering = Json.parse("""
                {"template_type":"text","text":"Share your number?","quick_replies":[
                  {"content_type":"user_phone_number"},{"content_type":"text","title":"No","payload":"NO"}]}""");
        QueuedMessage message = fixture.accepted(new QueuedMessage("msg-offer", WorkerFixture.PAGE_ID,
                WorkerFixture.recipient("id", "24681357"), MessageJson.read("text", offering), "UPDATE", null, List.of(), Instant.now(),
                Instant.now().plusSeconds(10), null, null, null));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        assertEquals(Set.of(new QuickReplyOffers.Offer(WorkerFixture.PAGE_ID, "24681357", QuickReplyOffers.Kind.PHONE)),
                fixture.offers.recorded);
    }

    @Test
    void theOfferIsRecordedBeforeTheRecordSaysSentSoATapAfterSentAlwaysBinds() {
        graphAnswers("24681357", "m_offer_first");
        JsonNode offering = Json.parse("""
                {"template_type":"text","text":"Your e-mail?","quick_replies":[{"content_type":"user_email"}]}""");
        QueuedMessage message = fixture.accepted(new QueuedMessage("msg-offer-first", WorkerFixture.PAGE_ID,
                WorkerFixture.recipient("id", "24681357"), MessageJson.read("text", offering), "UPDATE", null, List.of(),
                Instant.now(), Instant.now().plusSeconds(10), null, null, null));
        List<MessageStatus> statusWhenOffered = new java.util.concurrent.CopyOnWriteArrayList<>();
        fixture.offers.onRecord = () -> statusWhenOffered.add(record(message).status());

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        assertEquals(List.of(MessageStatus.SENDING), statusWhenOffered);
        assertEquals(MessageStatus.SENT, record(message).status());
    }

    @Test
    void theTextQuickRepliesWhosePayloadsLookLikeAContactAreRecordedSoATapOnThemNeverBinds() {
        graphAnswers("24681357", "m_text_offer");
        JsonNode offering = Json.parse("""
                {"template_type":"text","text":"Call us or share your number","quick_replies":[
                  {"content_type":"user_phone_number"},
                  {"content_type":"text","title":"Our hotline","payload":"+1 650 555 0142"},
                  {"content_type":"text","title":"Mail us","payload":"desk@example.com"},
                  {"content_type":"text","title":"No","payload":"NO"}]}""");
        QueuedMessage message = fixture.accepted(new QueuedMessage("msg-text-offer", WorkerFixture.PAGE_ID,
                WorkerFixture.recipient("id", "24681357"), MessageJson.read("text", offering), "UPDATE", null, List.of(), Instant.now(),
                Instant.now().plusSeconds(10), null, null, null));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        assertEquals(Set.of(new QuickReplyOffers.Offer(WorkerFixture.PAGE_ID, "24681357", QuickReplyOffers.Kind.PHONE)),
                fixture.offers.recorded);
        assertEquals(Set.of(new QuickReplyOffers.TextPayload(WorkerFixture.PAGE_ID, "24681357", "+1 650 555 0142"),
                new QuickReplyOffers.TextPayload(WorkerFixture.PAGE_ID, "24681357", "desk@example.com")),
                fixture.offers.textPayloads, "verbatim, as Facebook returns a text tap's payload; NO cannot bind anyway");
    }

    @Test
    void theSentRecordCarriesTheStartOfTheSendApiCallNotTheTimeOfItsReply() {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(okJson("{\"recipient_id\":\"24681357\",\"message_id\":\"m_slow\"}").withFixedDelay(700)));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-slow-reply", "id", "24681357", "Hello"));
        Instant before = Instant.now();

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        Instant started = fixture.records.sendStarts.get("msg-slow-reply");
        assertTrue(!started.isBefore(before) && started.isBefore(before.plusMillis(500)),
                "Facebook stamps the message during the call, so its start stands for that stamp: " + started
                        + " vs a call from " + before + " answered 700 ms later");
        assertTrue(record(message).updatedAt().isAfter(started.plusMillis(600)));
    }

    @Test
    void aMessageWithoutContactQuickRepliesRecordsNoOfferAndAFailedOfferNeverFailsTheDelivery() {
        graphAnswers("24681357", "m_plain");
        assertEquals(DeliveryOutcome.SENT, deliver(
                fixture.accepted(WorkerFixture.text("msg-plain", "id", "24681357", "Hello")), 1));
        assertTrue(fixture.offers.recorded.isEmpty());

        fixture.offers.failure = new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
        JsonNode offering = Json.parse("""
                {"template_type":"text","text":"Your e-mail?","quick_replies":[{"content_type":"user_email"}]}""");
        QueuedMessage message = fixture.accepted(new QueuedMessage("msg-offer-lost", WorkerFixture.PAGE_ID,
                WorkerFixture.recipient("id", "24681357"), MessageJson.read("text", offering), "UPDATE", null, List.of(), Instant.now(),
                Instant.now().plusSeconds(10), null, null, null));
        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));
        assertEquals(MessageStatus.SENT, record(message).status());
        assertTrue(fixture.logs().contains("quick_reply_offer_not_recorded"));
    }

    @Test
    void sendsTagAndMessagingTypeOfTheQueuedMessage() {
        graphAnswers("24681357", "m_tag");
        QueuedMessage plain = WorkerFixture.text("msg-tag", "id", "24681357", "Agent here");
        QueuedMessage tagged = fixture.accepted(new QueuedMessage(plain.messageId(), plain.pageId(), plain.recipient(),
                plain.message(), "MESSAGE_TAG", "HUMAN_AGENT", plain.warnings(), plain.acceptedAt(),
                plain.decideBy(), null, null, null));

        assertEquals(DeliveryOutcome.SENT, deliver(tagged, 1));

        graph.verify(postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)).withRequestBody(equalToJson("""
                {"recipient":{"id":"24681357"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT",
                 "message":{"text":"Agent here","metadata":"msg-tag"}}""")));
    }

    @ParameterizedTest
    @CsvSource({"uuid,user-42", "phone,+84912345678", "email,jane@example.com"})
    void resolvesBoundContactsToTheirPsid(String type, String value) {
        graphAnswers("999000111", "m_bound");
        fixture.bindings.bind(WorkerFixture.PAGE_ID, type + ":" + value, "999000111", 1L, "test", false,
                ai.joinchat.push.Deadline.none());
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-" + type, type, value, "Hi"));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        graph.verify(postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .withRequestBody(equalToJson("{\"recipient\":{\"id\":\"999000111\"}}", true, true)));
        assertEquals("999000111", record(message).psid());
        assertEquals(MessageStatus.SENT, record(message).status());
    }

    @Test
    void bindingsOfAnotherPageDoNotCount() {
        fixture.bindings.bind("5555555555", "uuid:user-42", "999000111", 1L, "test", false,
                ai.joinchat.push.Deadline.none());
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-other", "uuid", "user-42", "Hi"));

        assertEquals(DeliveryOutcome.FAILED, deliver(message, 1));
        assertEquals("recipient_not_found", record(message).error().code());
    }

    @ParameterizedTest
    @CsvSource({"uuid,nobody", "phone,+84900000000", "email,ghost@example.com"})
    void unboundContactFailsPermanentlyWithRecipientNotFound(String type, String value) {
        graphAnswers("1", "m_never");
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-unbound-" + type, type, value, "Hi"));

        assertEquals(DeliveryOutcome.FAILED, deliver(message, 1));

        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
        MessageRecord record = record(message);
        assertEquals(MessageStatus.FAILED, record.status());
        assertEquals("recipient_not_found", record.error().code());
        assertFalse(record.error().retryable());
    }

    @Test
    void unboundPhoneIsSentAsPhoneNumberWhenFallbackIsOn() {
        fixture.close();
        fixture = new WorkerFixture(graph.baseUrl(), true, 5, Duration.ofSeconds(2));
        graphAnswers("777888999", "m_phone");
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-phone", "phone", "+84912345678", "Hi"));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        graph.verify(postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)).withRequestBody(equalToJson(
                "{\"recipient\":{\"phone_number\":\"+84912345678\"}}", true, true)));
        assertEquals("777888999", record(message).psid(), "the PSID Facebook answers is kept");
    }

    @Test
    void fallbackDoesNotApplyToUuidOrEmail() {
        fixture.close();
        fixture = new WorkerFixture(graph.baseUrl(), true, 5, Duration.ofSeconds(2));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-email", "email", "a@b.com", "Hi"));

        assertEquals(DeliveryOutcome.FAILED, deliver(message, 1));
        assertEquals("recipient_not_found", record(message).error().code());
    }

    @Test
    void boundPhoneWinsOverFallback() {
        fixture.close();
        fixture = new WorkerFixture(graph.baseUrl(), true, 5, Duration.ofSeconds(2));
        graphAnswers("424242", "m_bound_phone");
        fixture.bindings.bind(WorkerFixture.PAGE_ID, "phone:+84912345678", "424242", 1L, "test", false,
                ai.joinchat.push.Deadline.none());
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-bp", "phone", "+84912345678", "Hi"));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));
        graph.verify(postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .withRequestBody(equalToJson("{\"recipient\":{\"id\":\"424242\"}}", true, true)));
    }

    // ---- secrets ------------------------------------------------------------------------------

    @Test
    void withoutAppSecretNoProofIsSent() {
        fixture.secrets.secrets.remove("joinchat/app");
        graphAnswers("24681357", "m_noproof");
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-np", "id", "24681357", "Hi"));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));
        graph.verify(postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .withQueryParam("appsecret_proof", absent()));
    }

    @Test
    void emptyAppSecretMeansNoProof() {
        fixture.secrets.secrets.put("joinchat/app", "{\"app_secret\":\"\",\"verify_token\":\"vt\"}");
        graphAnswers("24681357", "m_noproof2");
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-np2", "id", "24681357", "Hi"));

        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));
        graph.verify(postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .withQueryParam("appsecret_proof", absent()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{\"api_secret\":\"only-a-signing-key\"}", "not json"})
    void pageWithoutTokenFailsPermanently(String secret) {
        if (secret.isEmpty()) {
            fixture.secrets.secrets.remove("joinchat/pages/" + WorkerFixture.PAGE_ID);
        } else {
            fixture.secrets.secrets.put("joinchat/pages/" + WorkerFixture.PAGE_ID, secret);
        }
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-nopage", "id", "24681357", "Hi"));

        assertEquals(DeliveryOutcome.FAILED, deliver(message, 1));
        assertEquals("page_not_configured", record(message).error().code());
        assertEquals(MessageStatus.FAILED, record(message).status());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    // ---- Graph outcomes -----------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(value = {"400,100,", "400,10,", "401,190,", "403,200,", "400,551,1545041", "400,613,2018338",
            "400,100,2018001", "400,2022,"})
    void permanentGraphErrorsAreRecordedFailedAndAcknowledged(int status, int code, Integer subcode) {
        graphFails(status, graphError(code, subcode));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-perm", "id", "24681357", "Hi"));

        DeliveryOutcome outcome = deliver(message, 1);

        assertEquals(DeliveryOutcome.FAILED, outcome);
        assertFalse(handedBack());
        DeliveryError error = record(message).error();
        assertEquals(MessageStatus.FAILED, record(message).status());
        assertEquals(Integer.toString(code), error.code());
        assertEquals(subcode, error.subcode());
        assertEquals("(#" + code + ") test error", error.message());
        assertFalse(error.retryable());
        assertTrue(fixture.metrics().contains("\"MessagesFailed\":1"));
    }

    @ParameterizedTest
    @CsvSource(value = {"500,1,", "500,2,", "400,341,", "400,1200,"})
    void transientGraphErrorsGoBackToQueuedWithTheLastError(int status, int code, Integer subcode) {
        graphFails(status, graphError(code, subcode));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-trans", "id", "24681357", "Hi"));

        DeliveryOutcome outcome = deliver(message, 1);

        assertEquals(DeliveryOutcome.RETRY, outcome);
        assertTrue(handedBack());
        MessageRecord record = record(message);
        assertEquals(MessageStatus.QUEUED, record.status());
        assertEquals(Integer.toString(code), record.error().code());
        assertTrue(record.error().retryable());
        assertTrue(fixture.metrics().contains("\"MessagesRetried\":1"));
    }

    @Test
    void http5xxWithoutGraphErrorIsTransientWithHttpCode() {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(aResponse().withStatus(503).withBody("Service Unavailable")));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-503", "id", "24681357", "Hi"));

        assertEquals(DeliveryOutcome.RETRY, deliver(message, 2));
        assertEquals("http_503", record(message).error().code());
    }

    @Test
    void replyAfterTheTimeoutIsAnUnknownOutcomeThatStaysSending() {
        fixture.close();
        fixture = new WorkerFixture(graph.baseUrl(), false, 5, Duration.ofMillis(300));
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(okJson("{\"recipient_id\":\"1\",\"message_id\":\"m_late\"}").withFixedDelay(1500)));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-timeout", "id", "24681357", "Hi"));

        DeliveryOutcome outcome = deliver(message, 1);
        assertEquals(DeliveryOutcome.UNKNOWN_OUTCOME, outcome);
        assertTrue(handedBack(), "SQS brings it back; the echo, if any, settles it first");
        assertEquals("timeout", record(message).error().code());
        assertEquals(MessageStatus.SENDING, record(message).status(), "never back to queued: Facebook may have it");
    }

    @Test
    void connectionFailureIsTransientNetworkError() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        fixture.close();
        fixture = new WorkerFixture("http://127.0.0.1:" + closedPort, false, 5, Duration.ofSeconds(2));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-refused", "id", "24681357", "Hi"));

        assertEquals(DeliveryOutcome.RETRY, deliver(message, 1));
        assertEquals("network_error", record(message).error().code());
    }

    @Test
    void connectionCutAfterTheRequestIsAnUnknownOutcome() {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-reset", "id", "24681357", "Hi"));

        assertEquals(DeliveryOutcome.UNKNOWN_OUTCOME, deliver(message, 1));
        assertEquals("network_error", record(message).error().code());
        assertEquals(MessageStatus.SENDING, record(message).status());

        graphAnswers("24681357", "m_second");
        assertEquals(DeliveryOutcome.SENT, deliver(message, 2),
                "no echo came: the next attempt sends it again");
        assertTrue(fixture.metrics().contains("\"MessagesResentUnconfirmed\":1"));
    }

    @Test
    void transientFailureOnTheLastReceiveIsRecordedFailedAndLeftForTheDlq() {
        graphFails(500, graphError(2, null));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-last", "id", "24681357", "Hi"));

        DeliveryOutcome outcome = deliver(message, 5);

        assertEquals(DeliveryOutcome.FAILED_LAST_ATTEMPT, outcome);
        assertTrue(handedBack(), "still reported so SQS moves it to the DLQ");
        MessageRecord record = record(message);
        assertEquals(MessageStatus.FAILED, record.status());
        assertEquals("2", record.error().code());
        assertTrue(record.error().retryable());
    }

    @Test
    void aLastAttemptFacebookRefusedLeavesTheMessageResendableAndAnUnknownOneDoesNot() {
        graphFails(500, graphError(2, null));
        QueuedMessage refused = fixture.accepted(WorkerFixture.text("msg-resendable", "id", "24681357", "Hi"));
        assertEquals(DeliveryOutcome.FAILED_LAST_ATTEMPT, deliver(refused, 5));
        assertFalse(record(refused).resendable(), "its copy is still on its way to the dead-letter queue");
        fixture.delivery.recordDeadLettered(refused, 6, Deadline.none());
        assertTrue(record(refused).resendable(), "Facebook answered with an error and no copy is left in flight");

        graph.resetAll();
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        QueuedMessage unknown = fixture.accepted(WorkerFixture.text("msg-unknown-last", "id", "24681357", "Hi"));
        assertEquals(DeliveryOutcome.FAILED_LAST_ATTEMPT, deliver(unknown, 5));
        assertEquals(MessageStatus.FAILED, record(unknown).status());
        fixture.delivery.recordDeadLettered(unknown, 6, Deadline.none());
        assertFalse(record(unknown).resendable(), "the connection was cut after the request: Facebook may have it");

        QueuedMessage permanent = fixture.accepted(WorkerFixture.text("msg-permanent", "id", "24681357", "Hi"));
        graph.resetAll();
        graphFails(400, graphError(100, 2018001));
        assertEquals(DeliveryOutcome.FAILED, deliver(permanent, 1));
        assertFalse(record(permanent).resendable(), "a permanent error would fail again");
    }

    @Test
    void successWithoutMessageIdIsTransientInvalidResponse() {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)).willReturn(okJson("{}")));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-empty", "id", "24681357", "Hi"));

        assertEquals(DeliveryOutcome.RETRY, deliver(message, 1));
        assertEquals("invalid_response", record(message).error().code());
    }

    // ---- claims and duplicates ----------------------------------------------------------------

    @Test
    void alreadySentMessageIsAcknowledgedWithoutSending() {
        graphAnswers("24681357", "m_once");
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-dup", "id", "24681357", "Hi"));
        assertEquals(DeliveryOutcome.SENT, deliver(message, 1));

        DeliveryOutcome again = deliver(message, 2);

        assertEquals(DeliveryOutcome.DUPLICATE_SKIPPED, again);
        assertFalse(handedBack());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
        assertEquals("m_once", record(message).facebookMessageId());
        assertTrue(fixture.logLines().stream()
                .anyMatch(l -> "duplicate_delivery_skipped".equals(l.path("event").asText())));
    }

    @Test
    void alreadyFailedMessageIsAcknowledgedWithoutSending() {
        graphFails(400, graphError(100, null));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-dupf", "id", "24681357", "Hi"));
        assertEquals(DeliveryOutcome.FAILED, deliver(message, 1));

        assertEquals(DeliveryOutcome.DUPLICATE_SKIPPED, deliver(message, 2));
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    @Test
    void messageAnotherInvocationIsSendingIsRetriedLater() {
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-busy", "id", "24681357", "Hi"));
        fixture.records.claim(message.messageId(), java.time.Instant.now(), Duration.ofSeconds(60), null,
                Deadline.none());

        DeliveryOutcome outcome = deliver(message, 1);

        assertEquals(DeliveryOutcome.IN_FLIGHT, outcome);
        assertTrue(handedBack());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    @Test
    void messageWithoutARecordAfterItsDecisionTimeIsDroppedNeverRecreated() {
        graphAnswers("24681357", "m_created");
        QueuedMessage young = WorkerFixture.text("msg-missing", "id", "24681357", "Hi");
        QueuedMessage message = new QueuedMessage(young.messageId(), young.pageId(), young.recipient(),
                young.message(), "UPDATE", null, java.util.List.of(), java.time.Instant.now().minusSeconds(30),
                java.time.Instant.now().minusSeconds(5), null, null, null);

        assertEquals(DeliveryOutcome.DROPPED, deliver(message, 1));
        assertTrue(fixture.records.find(message.messageId()).isEmpty(), "no record is ever recreated");
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    @Test
    void messageWithoutARecordYetIsUndecidedAndComesBackWithinASecond() {
        QueuedMessage message = WorkerFixture.text("msg-early", "id", "24681357", "Hi");

        MessageDelivery.Result result = fixture.delivery.deliver(message, 1, Deadline.none());

        assertEquals(DeliveryOutcome.UNDECIDED, result.outcome());
        assertTrue(((Disposition.RetryIn) result.disposition()).delay().toMillis() <= 1000, result.toString());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    /** Facebook throttles the page and asks for {@code retryAfterSeconds}: the page is paced from then on. */
    private void pageThrottled(int retryAfterSeconds) {
        graph.stubFor(post(urlPathEqualTo(WorkerFixture.MESSAGES_PATH))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withHeader("Retry-After", Integer.toString(retryAfterSeconds)).withBody(graphError(613, null))));
        QueuedMessage first = fixture.accepted(WorkerFixture.text("msg-throttled", "id", "24681357", "Hi"));
        assertEquals(DeliveryOutcome.THROTTLED, deliver(first, 1));
    }

    @Test
    void aPacedMessageStillPendingIsCommittedBeforeItGoesBackToTheQueue() {
        pageThrottled(5);
        QueuedMessage keyless = WorkerFixture.text("msg-keyless", "id", "13572468", "Hi");
        fixture.records.createPending(MessageRecord.pending(keyless.messageId(), keyless.pageId(),
                keyless.recipient(), "text", keyless.warnings(), java.time.Instant.now(), keyless.decideBy()),
                Deadline.none());

        MessageDelivery.Result result = fixture.delivery.deliver(keyless, 1, Deadline.none());

        assertEquals(DeliveryOutcome.THROTTLED, result.outcome());
        assertTrue(result.disposition() instanceof Disposition.Requeue requeue && requeue.copy().throttledSince() != null,
                result.toString());
        assertEquals(MessageStatus.QUEUED, record(keyless).status(), "committed: the worker holds SQS's copy");
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    @Test
    void aPacedMessageTheSendApiRejectedIsDroppedNeverPutBack() {
        pageThrottled(5);
        QueuedMessage rejected = WorkerFixture.text("msg-rejected", "id", "13572468", "Hi");
        fixture.records.createPending(MessageRecord.pending(rejected.messageId(), rejected.pageId(),
                rejected.recipient(), "text", rejected.warnings(), java.time.Instant.now(), rejected.decideBy()),
                Deadline.none());
        fixture.records.reject(rejected.messageId(), rejected.pageId(), java.time.Instant.now(),
                Deadline.none());

        MessageDelivery.Result result = fixture.delivery.deliver(rejected, 1, Deadline.none());

        assertEquals(DeliveryOutcome.DROPPED, result.outcome());
        assertFalse(result.disposition() instanceof Disposition.Requeue);
        assertEquals(MessageStatus.REJECTED, record(rejected).status());
        graph.verify(exactly(1), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    // ---- dependencies -------------------------------------------------------------------------

    @Test
    void secretsManagerDownChangesNothingAndRetries() {
        fixture.secrets.down = true;
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-smdown", "id", "24681357", "Hi"));

        DeliveryOutcome outcome = deliver(message, 1);

        assertEquals(DeliveryOutcome.DEPENDENCY_UNAVAILABLE, outcome);
        assertTrue(handedBack());
        assertEquals(MessageStatus.QUEUED, record(message).status());
        assertEquals(0, record(message).attempts());
        assertTrue(fixture.metrics().contains("\"DependencyFailures\":1"));
    }

    @Test
    void aDeferredPageSecretLookupChangesNothingAndComesBackSoonNeverPageNotConfigured() {
        fixture.secrets.deferring = true;
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-deferred", "id", "24681357", "Hi"));

        MessageDelivery.Result result = fixture.delivery.deliver(message, 1, Deadline.none());

        assertEquals(DeliveryOutcome.DEFERRED, result.outcome());
        assertEquals(new Disposition.RetryIn(MessageDelivery.SECRET_LOOKUP_RETRY), result.disposition(),
                "handed back unattempted, to come back soon");
        assertEquals(MessageStatus.QUEUED, record(message).status());
        assertEquals(0, record(message).attempts());
        assertNull(record(message).error());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
        assertTrue(fixture.metrics().contains("\"SecretLookupsDeferred\":1"));

        fixture.secrets.deferring = false;
        graphAnswers("24681357", "m_after_deferral");
        assertEquals(DeliveryOutcome.SENT, deliver(message, 2));
    }

    @Test
    void dynamoDbDownChangesNothingAndRetries() {
        fixture.bindings.failure = new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-ddbdown", "uuid", "u1", "Hi"));
        assertEquals(DeliveryOutcome.DEPENDENCY_UNAVAILABLE, deliver(message, 1));

        fixture.bindings.failure = null;
        fixture.records.failing.add("claim");
        assertEquals(DeliveryOutcome.DEPENDENCY_UNAVAILABLE, deliver(message, 1));
        assertEquals(MessageStatus.QUEUED, record(message).status());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }

    @Test
    void sentButNotRecordedIsAcknowledgedSoItIsNeverSentTwice() {
        graphAnswers("24681357", "m_unrecorded");
        fixture.records.failing.add("markSent");
        QueuedMessage message = fixture.accepted(WorkerFixture.text("msg-unrec", "id", "24681357", "Hi"));

        DeliveryOutcome outcome = deliver(message, 1);

        assertEquals(DeliveryOutcome.SENT_NOT_RECORDED, outcome);
        assertFalse(handedBack());
        assertTrue(fixture.logLines().stream().anyMatch(l -> "mark_sent_failed".equals(l.path("event").asText())));
    }

    @Test
    void unmappableMessageFailsPermanently() {
        QueuedMessage base = WorkerFixture.text("msg-bad", "id", "24681357", "Hi");
        QueuedMessage bad = fixture.accepted(QueuedMessage.fromJson(
                base.toJson().replace("\"template_type\":\"text\"", "\"template_type\":\"carousel\"")));

        assertEquals(DeliveryOutcome.FAILED, deliver(bad, 1));
        assertEquals("invalid_message", record(bad).error().code());
        graph.verify(exactly(0), postRequestedFor(urlPathEqualTo(WorkerFixture.MESSAGES_PATH)));
    }
}
