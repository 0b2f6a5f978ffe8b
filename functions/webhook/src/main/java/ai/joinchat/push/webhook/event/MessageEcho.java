package ai.joinchat.push.webhook.event;

import java.util.Optional;

/**
 * A message the page sent ({@code message.is_echo}), by any app or a human in the inbox.
 * {@code metadata} is the developer string given to the Send API; the worker puts the
 * message id there, so an echo can confirm a queued message. {@code attachmentsJson} is the
 * {@code message.attachments} array as JSON text (image, template, fallback, product, media ...).
 */
public record MessageEcho(String pageId, Channel channel, String psid, String mid, String appId, String metadata,
                          String text, String attachmentsJson, long timestamp) implements WebhookEvent {

    @Override
    public EventKind kind() {
        return EventKind.ECHO;
    }

    @Override
    public Optional<String> eventKey() {
        return Optional.of(EventKeys.byMid(EventKind.ECHO, mid));
    }
}
