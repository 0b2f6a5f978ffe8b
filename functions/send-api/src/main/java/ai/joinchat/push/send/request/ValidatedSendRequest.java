package ai.joinchat.push.send.request;

import ai.joinchat.push.request.Recipient;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * A send request that passed validation.
 *
 * @param pageId        the page id, digits
 * @param recipient     the normalised recipient
 * @param templateType  {@code text}, {@code button}, {@code generic}, {@code list} or {@code receipt}
 * @param message       a normalised deep copy of the request's {@code message} (unknown fields kept)
 * @param messagingType {@code UPDATE} or {@code MESSAGE_TAG}
 * @param tag           the tag to send, or {@code null}
 * @param delaySeconds  0-10
 * @param warnings      warnings for the 202 response
 */
public record ValidatedSendRequest(
        String pageId,
        Recipient recipient,
        String templateType,
        ObjectNode message,
        String messagingType,
        String tag,
        int delaySeconds,
        List<String> warnings) {

    public ValidatedSendRequest {
        Objects.requireNonNull(pageId, "pageId");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(templateType, "templateType");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(messagingType, "messagingType");
        warnings = List.copyOf(warnings);
    }
}
