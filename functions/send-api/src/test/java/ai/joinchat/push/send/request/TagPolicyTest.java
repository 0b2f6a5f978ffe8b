package ai.joinchat.push.send.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.joinchat.push.send.request.TagPolicy.TagDecision;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TagPolicyTest {

    static final List<String> SEED_TAGS = List.of(
            "BUSINESS_PRODUCTIVITY", "COMMUNITY_ALERT", "CONFIRMED_EVENT_REMINDER", "NON_PROMOTIONAL_SUBSCRIPTION",
            "PAIRING_UPDATE", "APPLICATION_UPDATE", "ACCOUNT_UPDATE", "PAYMENT_UPDATE", "PERSONAL_FINANCE_UPDATE",
            "SHIPPING_UPDATE", "RESERVATION_UPDATE", "ISSUE_RESOLUTION", "APPOINTMENT_UPDATE", "GAME_EVENT",
            "TRANSPORTATION_UPDATE", "FEATURE_FUNCTIONALITY_UPDATE", "TICKET_UPDATE");

    static Stream<String> legacyTags() {
        return Stream.concat(SEED_TAGS.stream(),
                Stream.of("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "CUSTOMER_FEEDBACK"));
    }

    private static JsonNode text(String tag) {
        return JsonNodeFactory.instance.textNode(tag);
    }

    private static final TagPolicy DROP = TagPolicy.fromSetting("drop");
    private static final TagPolicy REJECT = TagPolicy.fromSetting("reject");
    private static final TagPolicy PASS = TagPolicy.fromSetting("pass");

    @Test
    void settingIsCaseInsensitiveAndDefaultsToDrop() {
        assertEquals(TagPolicy.Mode.DROP, TagPolicy.fromSetting(null).mode());
        assertEquals(TagPolicy.Mode.DROP, TagPolicy.fromSetting("").mode());
        assertEquals(TagPolicy.Mode.DROP, TagPolicy.fromSetting("DROP").mode());
        assertEquals(TagPolicy.Mode.REJECT, TagPolicy.fromSetting("Reject").mode());
        assertEquals(TagPolicy.Mode.PASS, TagPolicy.fromSetting(" pass ").mode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"allow", "dropp", "true", "0"})
    void unknownSettingIsRefused(String setting) {
        assertThrows(IllegalArgumentException.class, () -> TagPolicy.fromSetting(setting));
    }

    @Test
    void knownTagsAreHumanAgentTheSeedsSeventeenAndThreeMore() {
        assertEquals(21, TagPolicy.KNOWN_TAGS.size());
        assertTrue(TagPolicy.KNOWN_TAGS.containsAll(SEED_TAGS));
        assertTrue(TagPolicy.KNOWN_TAGS.containsAll(legacyTags().toList()));
        assertTrue(TagPolicy.KNOWN_TAGS.contains("HUMAN_AGENT"));
    }

    @Test
    void noTagIsUpdateUnderEveryPolicy() {
        for (TagPolicy policy : List.of(DROP, REJECT, PASS)) {
            TagDecision decision = policy.decide(null);
            assertEquals("UPDATE", decision.messagingType());
            assertNull(decision.tag());
            assertTrue(decision.warnings().isEmpty());
            assertTrue(decision.violation().isEmpty());
        }
    }

    @Test
    void humanAgentIsSentAsMessageTagUnderEveryPolicy() {
        for (TagPolicy policy : List.of(DROP, REJECT, PASS)) {
            TagDecision decision = policy.decide(text("HUMAN_AGENT"));
            assertEquals("MESSAGE_TAG", decision.messagingType());
            assertEquals("HUMAN_AGENT", decision.tag());
            assertTrue(decision.warnings().isEmpty());
            assertTrue(decision.violation().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("legacyTags")
    void dropSendsUpdateWithoutTagAndWarnsNamingTheTag(String tag) {
        TagDecision decision = DROP.decide(text(tag));
        assertEquals("UPDATE", decision.messagingType());
        assertNull(decision.tag());
        assertTrue(decision.violation().isEmpty());
        assertEquals(1, decision.warnings().size());
        String warning = decision.warnings().get(0);
        assertTrue(warning.contains(tag), warning);
        assertTrue(warning.contains("not sent"), warning);
        assertTrue(warning.contains("24-hour"), warning);
    }

    @Test
    void dropWarningSaysWhyTheTagIsNotSent() {
        assertTrue(DROP.decide(text("ACCOUNT_UPDATE")).warnings().get(0).contains("rejected by Messenger since 27 April 2026"));
        assertTrue(DROP.decide(text("POST_PURCHASE_UPDATE")).warnings().get(0).contains("27 April 2026"));
        assertTrue(DROP.decide(text("SHIPPING_UPDATE")).warnings().get(0).contains("retired by Messenger in 2020"));
    }

    @ParameterizedTest
    @MethodSource("legacyTags")
    void rejectIsAViolationOnTag(String tag) {
        TagDecision decision = REJECT.decide(text(tag));
        assertTrue(decision.violation().isPresent());
        assertEquals("tag", decision.violation().get().field());
        assertTrue(decision.violation().get().reason().contains(tag));
    }

    @ParameterizedTest
    @MethodSource("legacyTags")
    void passSendsTheTagAsGiven(String tag) {
        TagDecision decision = PASS.decide(text(tag));
        assertEquals("MESSAGE_TAG", decision.messagingType());
        assertEquals(tag, decision.tag());
        assertTrue(decision.warnings().isEmpty());
        assertTrue(decision.violation().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"FOO", "account_update", "ACCOUNT_UPDATE ", "", "human_agent", "MESSAGE_TAG"})
    void unknownTagIsAlwaysAViolationListingTheAllowedValues(String tag) {
        for (TagPolicy policy : List.of(DROP, REJECT, PASS)) {
            TagDecision decision = policy.decide(text(tag));
            assertTrue(decision.violation().isPresent(), tag);
            assertEquals("tag", decision.violation().get().field());
            String reason = decision.violation().get().reason();
            assertTrue(reason.contains("HUMAN_AGENT") && reason.contains("TICKET_UPDATE")
                    && reason.contains("CUSTOMER_FEEDBACK"), reason);
        }
    }

    @Test
    void nonStringTagFieldIsAViolationAndNullIsNoTag() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        assertEquals("tag", DROP.decide(nodes.numberNode(5)).violation().orElseThrow().field());
        assertTrue(DROP.decide(nodes.booleanNode(true)).violation().isPresent());
        assertTrue(DROP.decide(nodes.arrayNode().add("HUMAN_AGENT")).violation().isPresent());
        assertTrue(DROP.decide(nodes.nullNode()).violation().isEmpty());
        assertEquals("UPDATE", DROP.decide(null).messagingType());
        assertEquals("HUMAN_AGENT", DROP.decide(nodes.textNode("HUMAN_AGENT")).tag());
    }
}
