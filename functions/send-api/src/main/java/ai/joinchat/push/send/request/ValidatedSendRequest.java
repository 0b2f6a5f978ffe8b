package ai.joinchat.push.send.request;

import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.request.Recipient;

import java.util.List;
import java.util.Objects;

/** A send request that passed validation, normalised; {@code tag} is null when none is sent. */
public record ValidatedSendRequest(
        String pageId,
        Recipient recipient,
        OutboundMessage message,
        String messagingType,
        String tag,
        int delaySeconds,
        List<String> warnings) {

    public ValidatedSendRequest {
        Objects.requireNonNull(pageId, "pageId");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(messagingType, "messagingType");
        warnings = List.copyOf(warnings);
    }

    public String templateType() {
        return message.templateType();
    }
}
