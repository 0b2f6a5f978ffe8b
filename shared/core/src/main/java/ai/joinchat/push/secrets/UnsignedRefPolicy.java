package ai.joinchat.push.secrets;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A page's {@code unsigned_refs} setting (contract sections 2 and 6): what an unsigned
 * {@code ref=uuid=<uuid>} may do to the uuid's binding.
 */
public enum UnsignedRefPolicy {
    /** Default: binds a uuid that is not yet bound to another PSID; nobody can take over a bound uuid. */
    FIRST,
    /** Replaces any older binding (contract version 1 behaviour). */
    LATEST,
    /** Binds nothing; only signed refs bind. */
    NEVER;

    /** The policy the value names (case and surrounding spaces ignored); empty when it names none. */
    public static Optional<UnsignedRefPolicy> parse(String value) {
        String name = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(policy -> policy.wireName().equals(name)).findFirst();
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
