package ai.joinchat.push.send;

import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.send.request.ValidatedSendRequest;
import ai.joinchat.push.store.MessageRecord;

import java.time.Instant;
import java.util.Objects;

/** What the send API writes for one accepted request: the {@code pending} record and the SQS message. */
public record Acceptance(MessageRecord record, QueuedMessage queued, int delaySeconds) {

    public Acceptance {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(queued, "queued");
    }

    /** After {@code decideBy} the worker treats a still-pending record as committed. */
    public static Acceptance of(ValidatedSendRequest request, String messageId, Instant now, Instant decideBy) {
        MessageRecord record = MessageRecord.pending(messageId, request.pageId(), request.recipient(),
                request.templateType(), request.warnings(), now, decideBy);
        QueuedMessage queued = new QueuedMessage(messageId, request.pageId(), request.recipient(),
                request.message(), request.messagingType(), request.tag(),
                request.warnings(), now, decideBy);
        return new Acceptance(record, queued, request.delaySeconds());
    }
}
