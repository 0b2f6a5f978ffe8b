package ai.joinchat.push.request;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Brings a phone number to the form {@code +} followed by 8-15 digits (E.164 length).
 * Spaces, dashes, dots and parentheses are dropped; a leading {@code +} is optional.
 */
public final class PhoneNumberNormalizer {

    private static final Pattern SEPARATORS = Pattern.compile("[\\s\\-.()]");
    private static final Pattern DIGITS_8_TO_15 = Pattern.compile("[0-9]{8,15}");

    /** The normalised number, or empty if {@code raw} is not a phone number. */
    public Optional<String> normalize(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String compact = SEPARATORS.matcher(raw).replaceAll("");
        String digits = compact.startsWith("+") ? compact.substring(1) : compact;
        if (!DIGITS_8_TO_15.matcher(digits).matches()) {
            return Optional.empty();
        }
        return Optional.of("+" + digits);
    }
}
