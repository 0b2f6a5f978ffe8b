package ai.joinchat.push.request;

import java.util.Locale;
import java.util.Optional;

/**
 * Trims and lower-cases an e-mail address, accepting only what looks like
 * {@code local@domain.tld}: no whitespace, exactly one {@code @}, at most 254 characters.
 */
public final class EmailNormalizer {

    private static final int MAX_LENGTH = 254;

    /** The normalised address, or empty if {@code raw} does not look like an e-mail address. */
    public Optional<String> normalize(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String email = raw.strip().toLowerCase(Locale.ROOT);
        if (email.isEmpty() || email.length() > MAX_LENGTH || containsWhitespaceOrControl(email)) {
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

    private static boolean containsWhitespaceOrControl(String value) {
        return value.codePoints().anyMatch(cp -> Character.isWhitespace(cp)
                || Character.isSpaceChar(cp)
                || Character.isISOControl(cp));
    }
}
