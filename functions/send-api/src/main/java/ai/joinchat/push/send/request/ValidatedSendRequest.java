package ai.joinchat.push.send.request;

import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.request.Recipient;

import java.util.List;
import java.util.Objects;

/**
 * A send request that passed validation.
 *
 * @param pageId        the page id, digits
 * @param recipient     the normalised recipient
 * @param message       the normalised message (unknown fields are ignored, contract section 3)
 * @param messagingType {@code UPDATE} or {@code MESSAGE_TAG}
 * @param tag           the tag to send, or {@code null}
 * @param delaySeconds  0-10
 * @param warnings      warnings for the 202 response
 */
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

    /** {@code text}, {@code button}, {@code generic}, {@code list} or {@code receipt}. */
    public String templateType() {
        return message.templateType();
    }
}
