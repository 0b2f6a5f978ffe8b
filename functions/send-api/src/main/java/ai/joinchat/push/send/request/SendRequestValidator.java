package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.send.request.TagPolicy.TagDecision;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Validates the body of {@code POST /api/send_message} (contract section 3, "Request body"),
 * reporting every problem at once with its JSON path; a valid body becomes a typed
 * {@link ValidatedSendRequest}, its message an {@code OutboundMessage} ({@link TemplateRules}).
 * Stateless and thread-safe; the bindings import reuses {@link #normalise} and {@link #rule}.
 */
public record SendRequestValidator(TagPolicy tagPolicy) {

    static final int MAX_DELAY_SECONDS = 10;
    static final String PHONE_RULE =
            "must be a phone number: + and 8-15 digits (spaces, dashes, dots and parentheses are ignored)";

    private static final Pattern DELAY_DIGITS = Pattern.compile("[0-9]{1,9}");
    private static final String DELAY_RULE =
            "must be a whole number of seconds from 0 to 10 (a JSON integer or a string of digits)";
    private static final String ONE_OF = "exactly one of id, phone, email, uuid";
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,32}");

    /** How a recipient given as a string is normalised, and the rule a value it refuses breaks. */
    private record TextRule(Function<String, Optional<String>> normaliser, String rule) {
    }

    private static final Map<RecipientType, TextRule> TEXT_RULES = Map.of(
            RecipientType.PHONE, new TextRule(Recipient::normalizedPhone, PHONE_RULE),
            RecipientType.EMAIL, new TextRule(Recipient::normalizedEmail, "must be an e-mail address like name@example.com"),
            RecipientType.UUID, new TextRule(text -> Recipient.isUuid(text) ? Optional.of(text) : Optional.empty(),
                    "must be 1-" + Recipient.UUID_MAX + " visible characters (no spaces or control characters)"));

    /** A send request that passed validation, normalised; {@code tag} is null when none is sent. */
    public record ValidatedSendRequest(String pageId, Recipient recipient, OutboundMessage message,
                                       String messagingType, String tag, int delaySeconds, List<String> warnings) {

        public ValidatedSendRequest {
            warnings = List.copyOf(warnings);
        }
    }

    /** Every violation found, or the validated request (present exactly when there are none). */
    public record ValidationResult(List<FieldProblem> violations, Optional<ValidatedSendRequest> request) {
    }

    public ValidationResult validate(JsonNode body) {
        if (body == null || !body.isObject()) {
            return new ValidationResult(List.of(new FieldProblem("", "the request body must be a JSON object")),
                    Optional.empty());
        }
        ObjectFields root = new ObjectFields(body, "", new ArrayList<>(), new ArrayList<>());

        Optional<String> pageId = pageId(root);
        Optional<Recipient> recipient = recipient(root);
        OutboundMessage message = TemplateRules.validate(root);
        TagDecision tag = tagPolicy.decide(body.get("tag"));
        tag.violation().ifPresent(root.violations()::add);
        root.warnings().addAll(tag.warnings());
        OptionalInt delay = delay(root);

        if (!root.violations().isEmpty()) {
            return new ValidationResult(List.copyOf(root.violations()), Optional.empty());
        }
        return new ValidationResult(List.of(), Optional.of(new ValidatedSendRequest(
                pageId.orElseThrow(),
                recipient.orElseThrow(),
                message,
                tag.messagingType(),
                tag.tag(),
                delay.orElseThrow(),
                root.warnings())));
    }

    private static Optional<String> pageId(ObjectFields root) {
        JsonNode node = root.get("page_id");
        Optional<String> pageId = facebookId(node);
        if (pageId.isEmpty()) {
            root.violation("page_id", node == null ? "is required: the page id, digits as a string or integer"
                    : "must be 1-32 digits, as a string or integer");
        }
        return pageId;
    }

    private static OptionalInt delay(ObjectFields root) {
        JsonNode value = root.get("delay");
        if (value == null) {
            return OptionalInt.of(0);
        }
        int seconds = digits(value, DELAY_DIGITS).map(Integer::parseInt).orElse(-1);
        if (seconds < 0 || seconds > MAX_DELAY_SECONDS) {
            root.violation("delay", DELAY_RULE);
            return OptionalInt.empty();
        }
        return OptionalInt.of(seconds);
    }

    private static Optional<Recipient> recipient(ObjectFields body) {
        JsonNode recipient = body.get("recipient");
        if (recipient == null || !recipient.isObject()) {
            body.violation("recipient", (recipient == null ? "is required: an object with " : "must be an object with ")
                    + ONE_OF);
            return Optional.empty();
        }
        List<RecipientType> given = Stream.of(RecipientType.values())
                .filter(type -> recipient.hasNonNull(type.wireName())).toList();
        if (given.size() != 1) {
            List<String> names = given.stream().map(RecipientType::wireName).toList();
            body.violation("recipient", "must contain " + ONE_OF
                    + " (found " + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
            return Optional.empty();
        }
        RecipientType type = given.get(0);
        JsonNode value = recipient.get(type.wireName());
        String path = "recipient." + type.wireName();
        if (value.isTextual() && value.textValue().isEmpty()) {
            body.violation(path, "must not be empty");
            return Optional.empty();
        }
        Optional<String> normalised = normalise(type, value);
        if (normalised.isEmpty()) {
            body.violation(path, rule(type, value));
            return Optional.empty();
        }
        return Optional.of(new Recipient(type, normalised.get()));
    }

    /** The normalised value of a recipient field of {@code type}; empty when it breaks {@link #rule}. */
    public static Optional<String> normalise(RecipientType type, JsonNode value) {
        return type == RecipientType.ID ? facebookId(value)
                : value.isTextual() ? TEXT_RULES.get(type).normaliser().apply(value.textValue()) : Optional.empty();
    }

    /** What a value that {@link #normalise} refuses must be. */
    public static String rule(RecipientType type, JsonNode value) {
        return type == RecipientType.ID ? "must be a page-scoped user id: 1-32 digits, as a string or integer"
                : value.isTextual() ? TEXT_RULES.get(type).rule() : "must be a string";
    }

    /** A page id or a page-scoped user id (PSID): 1-32 digits, as a JSON string or a non-negative JSON integer. */
    public static Optional<String> facebookId(JsonNode node) {
        return digits(node, DIGITS);
    }

    /** A JSON string or integer as text, if it matches {@code pattern} (digits only: a negative integer never does). */
    private static Optional<String> digits(JsonNode node, Pattern pattern) {
        String candidate = node == null ? null : node.isTextual() ? node.textValue()
                : node.isIntegralNumber() ? node.bigIntegerValue().toString() : null;
        return candidate != null && pattern.matcher(candidate).matches() ? Optional.of(candidate) : Optional.empty();
    }
}
