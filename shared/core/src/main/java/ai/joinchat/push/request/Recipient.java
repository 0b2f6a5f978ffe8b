package ai.joinchat.push.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The recipient of a message as the caller named it, with an already normalised value
 * (PSID digits, {@code +} and digits, lower-cased e-mail, or the uuid as given).
 */
public record Recipient(RecipientType type, String value) {

    /** The longest uuid, in code points. */
    public static final int UUID_MAX = 128;
    private static final int EMAIL_MAX = 254;
    private static final Pattern PHONE_SEPARATORS = Pattern.compile("[\\s\\-.()]");
    private static final Pattern DIGITS_8_TO_15 = Pattern.compile("[0-9]{8,15}");

    public Recipient {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("recipient value must not be empty");
        }
    }

    /** A uuid recipient when {@link #isUuid}, e.g. the uuid of a webhook {@code ref=uuid=<uuid>}; empty otherwise. */
    public static Optional<Recipient> uuid(String value) {
        return value != null && isUuid(value)
                ? Optional.of(new Recipient(RecipientType.UUID, value)) : Optional.empty();
    }

    /** The key of a binding of this contact, e.g. {@code phone:+84912345678} or {@code uuid:abc}. */
    public String contactKey() {
        return type.wireName() + ":" + value;
    }

    /** {@code {"type":"phone","value":"+849..."}}. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("type", type.wireName());
        node.put("value", value);
        return node;
    }

    /** Reads the form {@link #toJson()} writes; IllegalArgumentException for any other. */
    public static Recipient fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("recipient must be a JSON object");
        }
        JsonNode type = node.get("type");
        JsonNode value = node.get("value");
        if (type == null || !type.isTextual() || value == null || !value.isTextual()) {
            throw new IllegalArgumentException("recipient needs string fields type and value");
        }
        RecipientType recipientType = RecipientType.fromWireName(type.textValue())
                .orElseThrow(() -> new IllegalArgumentException("unknown recipient type: " + type.textValue()));
        return new Recipient(recipientType, value.textValue());
    }

    /**
     * A phone number as {@code +} followed by 8-15 digits (E.164 length): spaces, dashes, dots and
     * parentheses are dropped, a leading {@code +} is optional; empty if {@code raw} is not one.
     */
    public static Optional<String> normalizedPhone(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String compact = PHONE_SEPARATORS.matcher(raw).replaceAll("");
        String digits = compact.startsWith("+") ? compact.substring(1) : compact;
        return DIGITS_8_TO_15.matcher(digits).matches() ? Optional.of("+" + digits) : Optional.empty();
    }

    /**
     * An e-mail address trimmed and lower-cased, if it looks like {@code local@domain.tld}: no
     * whitespace, exactly one {@code @}, at most 254 characters; empty otherwise.
     */
    public static Optional<String> normalizedEmail(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String email = raw.strip().toLowerCase(Locale.ROOT);
        if (email.isEmpty() || email.length() > EMAIL_MAX || email.codePoints().anyMatch(cp ->
                Character.isSpaceChar(cp) || Character.isISOControl(cp))) {
            return Optional.empty();
        }
        int at = email.indexOf('@');
        if (at <= 0 || at != email.lastIndexOf('@')) {
            return Optional.empty();
        }
        String domain = email.substring(at + 1);
        int lastDot = domain.lastIndexOf('.');
        boolean domainLooksValid = lastDot > 0
                && lastDot < domain.length() - 1
                && !domain.startsWith(".")
                && !domain.contains("..");
        return domainLooksValid ? Optional.of(email) : Optional.empty();
    }

    /** 1-128 code points, none of them whitespace, control, format, unassigned or private-use. */
    public static boolean isUuid(String value) {
        int length = value.codePointCount(0, value.length());
        return length >= 1 && length <= UUID_MAX && value.codePoints().allMatch(Recipient::isVisible);
    }

    /** Separators and controls are refused by type; every code point Character.isWhitespace knows is one of them. */
    private static boolean isVisible(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }
}
