package ai.joinchat.push.send.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads a Facebook page id: 1-32 digits, given as a JSON string or a non-negative JSON integer. */
public final class PageId {

    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,32}");

    private PageId() {
    }

    /** The page id as a string of digits, or empty if the node is not a page id. */
    public static Optional<String> parse(JsonNode pageIdNode) {
        if (pageIdNode == null) {
            return Optional.empty();
        }
        String candidate;
        if (pageIdNode.isTextual()) {
            candidate = pageIdNode.textValue();
        } else if (pageIdNode.isIntegralNumber()) {
            BigInteger value = pageIdNode.bigIntegerValue();
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
