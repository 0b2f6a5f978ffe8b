package ai.joinchat.push.store;

import java.util.Locale;

/**
 * The status of a delivery record; {@link Lifecycle} declares every move between them.
 * {@code pending} and {@code rejected} belong to the send API's commit protocol and are never
 * shown to a caller as such.
 */
public enum MessageStatus {
    PENDING, QUEUED, SENDING, SENT, DELIVERED, READ, FAILED, REJECTED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MessageStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Facebook accepted the message: it must never be sent again. */
    public boolean acceptedByFacebook() {
        return this == SENT || this == DELIVERED || this == READ;
    }

    /** The send API's answer was 202 (or would have been): the message is owed a delivery or a failure. */
    public boolean committed() {
        return this != PENDING && this != REJECTED;
    }
}
