package ai.joinchat.push.send.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads a page id or a page-scoped user id (PSID): 1-32 digits, as a JSON string or a non-negative JSON integer. */
public final class FacebookId {

    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,32}");

    private FacebookId() {
    }

    /** The id as a string of digits, or empty if the node is not one. */
    public static Optional<String> parse(JsonNode node) {
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
