package ai.joinchat.push.send;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageStatus;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * The contract's section 4 body of one record: {@code pending} shows as {@code queued}, a
 * {@code rejected} one is no message at all; Facebook's numeric code also travels as {@code graph_code}.
 */
final class MessageStatusView {

    private MessageStatusView() {
    }

    /** Empty for a message that was never accepted. */
    static Optional<ObjectNode> of(MessageRecord record) {
        if (record.status() == MessageStatus.REJECTED || record.recipient() == null) {
            return Optional.empty();
        }
        MessageStatus shown = record.status() == MessageStatus.PENDING ? MessageStatus.QUEUED : record.status();
        ObjectNode node = Json.object();
        node.put("message_id", record.messageId());
        node.put("status", shown.wireName());
        ObjectNode recipient = node.putObject("recipient");
        recipient.put(record.recipient().type().wireName(), record.recipient().value());
        if (record.psid() != null && !"id".equals(record.recipient().type().wireName())) {
            recipient.put("psid", record.psid());
        }
        node.put("attempts", record.attempts());
        node.put("created_at", record.createdAt().toString());
        node.put("updated_at", record.updatedAt().toString());
        if (record.facebookMessageId() != null) {
            node.put("facebook_message_id", record.facebookMessageId());
        }
        if (record.error() != null) {
            record.error().writeTo(node.putObject("error"));
        }
        if (shown == MessageStatus.FAILED) {
            node.put("resendable", record.resendable());
        }
        node.put("echoed", record.echoedAt() != null);
        if (record.echoedAt() != null) {
            node.put("echoed_at", record.echoedAt().toString());
        }
        if (record.deliveredAt() != null) {
            node.put("delivered_at", record.deliveredAt().toString());
        }
        if (record.readAt() != null) {
            node.put("read_at", record.readAt().toString());
        }
        ArrayNode w = node.putArray("warnings");
        record.warnings().forEach(w::add);
        return Optional.of(node);
    }
}
