package ai.joinchat.push.send.request;

import ai.joinchat.push.request.EmailNormalizer;
import ai.joinchat.push.request.PhoneNumberNormalizer;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code recipient}: an object with exactly one of {@code id} (PSID digits, as a string or
 * integer), {@code phone}, {@code email} or {@code uuid} (1-128 visible characters).
 */
public record RecipientRules(PhoneNumberNormalizer phoneNumbers, EmailNormalizer emails) {

    static final String PHONE_RULE =
            "must be a phone number: + and 8-15 digits (spaces, dashes, dots and parentheses are ignored)";

    private static final String ONE_OF = "exactly one of id, phone, email, uuid";
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,32}");

    Optional<Recipient> validate(ObjectFields body) {
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
    public Optional<String> normalise(RecipientType type, JsonNode value) {
        if (type == RecipientType.ID || !value.isTextual()) {
            return type == RecipientType.ID ? facebookId(value) : Optional.empty();
        }
        String text = value.textValue();
        return switch (type) {
            case PHONE -> phoneNumbers.normalize(text);
            case EMAIL -> emails.normalize(text);
            default -> Recipient.isUuid(text) ? Optional.of(text) : Optional.empty();
        };
    }

    /** What a value that {@link #normalise} refuses must be. */
    public static String rule(RecipientType type, JsonNode value) {
        if (type != RecipientType.ID && !value.isTextual()) {
            return "must be a string";
        }
        return switch (type) {
            case ID -> "must be a page-scoped user id: 1-32 digits, as a string or integer";
            case PHONE -> PHONE_RULE;
            case EMAIL -> "must be an e-mail address like name@example.com";
            default -> "must be 1-" + Recipient.UUID_MAX + " visible characters (no spaces or control characters)";
        };
    }

    /**
     * A page id or a page-scoped user id (PSID): 1-32 digits, as a JSON string or a non-negative
     * JSON integer; empty if the node is not one.
     */
    public static Optional<String> facebookId(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        String candidate;
        if (node.isTextual()) {
            candidate = node.textValue();
        } else if (node.isIntegralNumber()) {
            BigInteger value = node.bigIntegerValue();
            if (value.signum() < 0) {
                return Optional.empty();
            }
            candidate = value.toString();
        } else {
            return Optional.empty();
        }
        return DIGITS.matcher(candidate).matches() ? Optional.of(candidate) : Optional.empty();
    }
}
