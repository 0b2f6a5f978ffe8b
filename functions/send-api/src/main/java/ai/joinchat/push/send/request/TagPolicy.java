package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Decides how a request's message tag is sent (contract, "Tag policy"): {@code HUMAN_AGENT} as a
 * message tag, every other known tag as {@code LEGACY_TAG_POLICY} says, an unknown tag never.
 */
public record TagPolicy(Mode mode) {

    /** A known tag other than {@code HUMAN_AGENT} is dropped (sent as {@code UPDATE}, with a warning), refused or sent. */
    public enum Mode {
        DROP,
        REJECT,
        PASS
    }

    /** How a request's {@code tag} is sent to Messenger ({@code tag} null when none is sent). */
    public record TagDecision(String messagingType, String tag, List<String> warnings,
                              Optional<FieldProblem> violation) {

        public static final String UPDATE = "UPDATE";
        public static final String MESSAGE_TAG = "MESSAGE_TAG";

        static TagDecision untagged(List<String> warnings) {
            return new TagDecision(UPDATE, null, warnings, Optional.empty());
        }

        static TagDecision tagged(String tag) {
            return new TagDecision(MESSAGE_TAG, tag, List.of(), Optional.empty());
        }

        static TagDecision invalid(String reason) {
            return new TagDecision(UPDATE, null, List.of(), Optional.of(new FieldProblem("tag", reason)));
        }
    }

    public static final String HUMAN_AGENT = "HUMAN_AGENT";

    /** The 17 tags of the seed documentation, retired by Messenger in 2020 unless listed below. */
    static final List<String> SEED_TAGS = List.of(
            "BUSINESS_PRODUCTIVITY", "COMMUNITY_ALERT", "CONFIRMED_EVENT_REMINDER",
            "NON_PROMOTIONAL_SUBSCRIPTION", "PAIRING_UPDATE", "APPLICATION_UPDATE", "ACCOUNT_UPDATE",
            "PAYMENT_UPDATE", "PERSONAL_FINANCE_UPDATE", "SHIPPING_UPDATE", "RESERVATION_UPDATE",
            "ISSUE_RESOLUTION", "APPOINTMENT_UPDATE", "GAME_EVENT", "TRANSPORTATION_UPDATE",
            "FEATURE_FUNCTIONALITY_UPDATE", "TICKET_UPDATE");

    /** Tags Messenger answers with error 100 since 27 April 2026. */
    private static final Set<String> REJECTED_SINCE_APRIL_2026 =
            Set.of("CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE");

    private static final String CUSTOMER_FEEDBACK = "CUSTOMER_FEEDBACK";

    /** Every tag a request may carry: {@code HUMAN_AGENT}, the seed's 17 and three later ones, in order. */
    public static final List<String> KNOWN_TAGS = Stream.of(List.of(HUMAN_AGENT), SEED_TAGS,
            List.of("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", CUSTOMER_FEEDBACK)).flatMap(List::stream).toList();

    public static TagPolicy fromSetting(String legacyTagPolicy) {
        if (legacyTagPolicy == null || legacyTagPolicy.isBlank()) {
            return new TagPolicy(Mode.DROP);
        }
        try {
            return new TagPolicy(Mode.valueOf(legacyTagPolicy.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "LEGACY_TAG_POLICY must be one of drop, reject, pass (got '" + legacyTagPolicy + "')", e);
        }
    }

    public TagDecision decide(JsonNode field) {
        if (field == null || field.isNull() || field.isMissingNode()) {
            return TagDecision.untagged(List.of());
        }
        if (!field.isTextual()) {
            return TagDecision.invalid("must be a string, one of: " + String.join(", ", KNOWN_TAGS));
        }
        String tag = field.textValue();
        if (HUMAN_AGENT.equals(tag)) {
            return TagDecision.tagged(HUMAN_AGENT);
        }
        if (!KNOWN_TAGS.contains(tag)) {
            return TagDecision.invalid("unknown tag '" + tag + "'; allowed values: " + String.join(", ", KNOWN_TAGS));
        }
        return switch (mode) {
            case PASS -> TagDecision.tagged(tag);
            case REJECT -> TagDecision.invalid("tag " + tag + " is not accepted (" + whyNotSendable(tag)
                    + "; LEGACY_TAG_POLICY=reject); only " + HUMAN_AGENT
                    + " is sent as a message tag, omit the tag to send within the 24-hour window");
            case DROP -> TagDecision.untagged(List.of("tag " + tag + " was not sent ("
                    + whyNotSendable(tag) + "); the message is sent as messaging_type UPDATE"
                    + " without a tag, so Messenger's 24-hour messaging window applies"));
        };
    }

    private static String whyNotSendable(String tag) {
        if (REJECTED_SINCE_APRIL_2026.contains(tag)) {
            return "rejected by Messenger since 27 April 2026";
        }
        if (CUSTOMER_FEEDBACK.equals(tag)) {
            return "Messenger accepts it only with its customer feedback template, which this API does not send";
        }
        return "retired by Messenger in 2020";
    }
}
