package ai.joinchat.push.webhook.event;

import java.util.Optional;

/**
 * The user {@code psid} tapped a quick reply. For {@code user_phone_number} and {@code user_email}
 * quick replies Facebook puts the phone number or e-mail address itself in {@code payload}.
 */
public record QuickReply(String pageId, Channel channel, String psid, String mid, String payload, long timestamp)
        implements WebhookEvent {

    @Override
    public EventKind kind() {
        return EventKind.QUICK_REPLY;
    }

    @Override
    public Optional<String> eventKey() {
        return Optional.of(mid != null
                ? EventKeys.byMid(EventKind.QUICK_REPLY, mid)
                : EventKeys.hashed(EventKind.QUICK_REPLY, psid, timestamp, payload));
    }
}
