package ai.joinchat.push.webhook.event;

/** The kinds of webhook event this function understands, with the name logged and recorded. */
public enum EventKind {
    ECHO("echo"),
    REFERRAL("referral"),
    OPTIN("optin"),
    DELIVERY("delivery"),
    READ("read"),
    QUICK_REPLY("quick_reply"),
    UNKNOWN("unknown");

    private final String wireName;

    EventKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
