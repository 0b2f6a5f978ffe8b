package ai.joinchat.push.store;

import java.util.Locale;

/** Lifecycle of a delivery record: queued, sending, then sent, delivered, read; or failed. */
public enum MessageStatus {
    QUEUED, SENDING, SENT, DELIVERED, READ, FAILED;

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
}
