package ai.joinchat.push.worker.graph;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.OutboundMessage.ListTemplate;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.message.OutboundMessage.UnreadableMessage;
import ai.joinchat.push.queue.QueuedMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Maps an accepted message to a Send API body. The contract's message object is Messenger's
 * template payload ({@link MessageJson}); a {@code list} is sent as {@code generic}, since
 * Messenger removed the list template in 2019; {@code metadata} carries our message id.
 */
public final class GraphMessageMapper {

    /** Throws IllegalArgumentException for a message this version could not read from its queue body. */
    public ObjectNode toSendApiMessage(OutboundMessage message, String metadata) {
        if (message instanceof UnreadableMessage unreadable) {
            throw new IllegalArgumentException(unreadable.reason());
        }
        ObjectNode payload = MessageJson.write(message);
        JsonNode quickReplies = payload.remove("quick_replies");
        ObjectNode out = Json.object();
        if (message instanceof TextMessage text) {
            out.put("text", text.text());
        } else {
            if (message instanceof ListTemplate) {
                payload.put("template_type", "generic");
            }
            out.putObject("attachment").put("type", "template").set("payload", payload);
        }
        if (quickReplies != null) {
            out.set("quick_replies", quickReplies);
        }
        if (metadata != null) {
            out.put("metadata", metadata);
        }
        return out;
    }

    /** Builds {@code {"recipient", "messaging_type", "tag"?, "message"}}; IllegalArgumentException if unsendable. */
    public ObjectNode toSendApiBody(ObjectNode recipient, QueuedMessage message) {
        if (message.messagingType() == null || message.messagingType().isBlank()) {
            throw new IllegalArgumentException("messaging_type is missing");
        }
        ObjectNode body = Json.object();
        body.set("recipient", recipient);
        body.put("messaging_type", message.messagingType());
        if (message.tag() != null && !message.tag().isBlank()) {
            body.put("tag", message.tag());
        }
        body.set("message", toSendApiMessage(message.message(), message.messageId()));
        return body;
    }
}
