package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.OutboundQueue;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code POST /api/resend_message}: a {@code failed} message that Facebook surely never took
 * ({@code "resendable": true} in its status) is sent once more, under a new attempt and the same id.
 * The unkeyed commit protocol, on an existing record: the record goes back to {@code pending}
 * (one conditional write, so of two resends only one wins), then its kept copy is queued; the
 * worker's claim of the copy commits it. If the copy cannot be queued the record goes back to
 * {@code failed} with its error, unless a worker claimed it first (then SQS did take it: 202).
 */
record MessageResender(MessageRecords records, OutboundQueue queue, Clock clock, JsonLogger log, Metrics metrics) {

    static final String PATH = "/api/resend_message";

    HttpApiResponse resend(String pageId, String messageId, Instant decideBy, Deadline deadline) {
        Instant now = clock.instant();
        Optional<MessageRecords.Resend> taken = records.resend(messageId, pageId, now, decideBy, deadline);
        if (taken.isEmpty()) {
            return refusal(pageId, messageId, deadline);
        }
        try {
            queue.enqueue(QueuedMessage.fromJson(taken.get().queuedCopy()).resent(decideBy), 0, deadline);
        } catch (DependencyUnavailableException e) {
            records.run(Transition.FAIL_UNCLAIMED, messageId, Inputs.at(clock.instant()).withError(taken.get().error()),
                    deadline);
            Optional<MessageStatus> after = records.find(messageId, deadline).map(MessageRecord::status);
            if (after.isEmpty() || after.get() == MessageStatus.FAILED || after.get() == MessageStatus.PENDING) {
                throw e;
            }
        }
        metrics.count("MessagesResent", 1);
        log.info("message_resent").with("message_id", messageId).with("page_id", pageId).write();
        ObjectNode body = Json.object();
        body.put("message_id", messageId);
        body.put("status", "queued");
        return HttpApiResponse.json(202, body);
    }

    private HttpApiResponse refusal(String pageId, String messageId, Deadline deadline) {
        Optional<MessageRecord> record = records.find(messageId, deadline)
                .filter(r -> pageId.equals(r.pageId()) && r.status() != MessageStatus.REJECTED && r.recipient() != null);
        if (record.isEmpty()) {
            return HttpApiResponse.error(ErrorCode.MESSAGE_NOT_FOUND, "No such message for this page.");
        }
        MessageStatus status = record.get().status() == MessageStatus.PENDING ? MessageStatus.QUEUED
                : record.get().status();
        return HttpApiResponse.error(ErrorCode.NOT_RESENDABLE, status == MessageStatus.FAILED
                ? "This message is failed but not resendable: Facebook may have taken an attempt of it (resending"
                + " could deliver it twice), it cannot be sent as it is, or its last copy is still on its way back"
                + " from the retry queue (message_status says resendable within minutes then)."
                : "This message is " + status.wireName() + ": only a failed message can be resent.");
    }
}
