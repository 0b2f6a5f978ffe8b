package ai.joinchat.push.store;

import ai.joinchat.push.request.Recipient;

import java.time.Instant;
import java.util.List;

/**
 * The delivery record of one message. {@code recipient} is null only for the tombstone of a
 * rejection; {@code decideBy}, while {@code pending}, is when the send API's decision is overdue;
 * {@code resendable}: {@code failed} with its queued copy kept and no attempt of unknown outcome.
 */
public record MessageRecord(
        String messageId,
        String pageId,
        Recipient recipient,
        String templateType,
        MessageStatus status,
        int attempts,
        Instant createdAt,
        Instant updatedAt,
        String facebookMessageId,
        String psid,
        DeliveryError error,
        List<String> warnings,
        Instant echoedAt,
        Instant deliveredAt,
        Instant readAt,
        Instant decideBy,
        boolean resendable) {

    public MessageRecord {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** The record of a message the send API is about to hand to SQS, before its answer. */
    public static MessageRecord pending(String messageId, String pageId, Recipient recipient, String templateType,
                                        List<String> warnings, Instant now, Instant decideBy) {
        return new MessageRecord(messageId, pageId, recipient, templateType, MessageStatus.PENDING, 0, now, now,
                null, null, null, warnings, null, null, null, decideBy, false);
    }
}
