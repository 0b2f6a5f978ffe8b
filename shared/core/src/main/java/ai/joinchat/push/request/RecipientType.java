package ai.joinchat.push.request;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The four ways a caller can name the recipient of a message; each one's wire name is its name in lower case. */
public enum RecipientType {
    /** A page-scoped user id (PSID), sent to Messenger as is. */
    ID,
    /** A phone number bound to a PSID through a {@code user_phone_number} quick reply. */
    PHONE,
    /** An e-mail address bound to a PSID through a {@code user_email} quick reply. */
    EMAIL,
    /** A developer-chosen uuid bound to a PSID through an m.me / plugin {@code ref=uuid=...}. */
    UUID;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The JSON key of this kind of recipient, e.g. {@code "phone"}. */
    public String wireName() {
        return wireName;
    }

    public static Optional<RecipientType> fromWireName(String wireName) {
        return Arrays.stream(values()).filter(type -> type.wireName.equals(wireName)).findFirst();
    }
}
