package ai.joinchat.push.webhook.event;

import java.util.Locale;

/** The kinds of webhook event this function understands, with the name logged and recorded. */
public enum EventKind {
    ECHO, REFERRAL, OPTIN, DELIVERY, READ, QUICK_REPLY, UNKNOWN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
