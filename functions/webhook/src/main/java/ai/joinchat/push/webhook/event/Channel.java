package ai.joinchat.push.webhook.event;

import java.util.Locale;

/** Which array of an {@code entry} an event came in: the primary receiver's or the standby one. */
public enum Channel {
    MESSAGING, STANDBY;

    /** The entry's field, {@code messaging} or {@code standby}; also the value recorded. */
    public String fieldName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
