package ai.joinchat.push.webhook.event;

/** Which array of an {@code entry} an event came in: the primary receiver's or the standby one. */
public enum Channel {
    MESSAGING("messaging"),
    STANDBY("standby");

    private final String fieldName;

    Channel(String fieldName) {
        this.fieldName = fieldName;
    }

    /** The entry's field, {@code messaging} or {@code standby}; also the value recorded. */
    public String fieldName() {
        return fieldName;
    }
}
