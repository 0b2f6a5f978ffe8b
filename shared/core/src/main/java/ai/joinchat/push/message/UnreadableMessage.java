package ai.joinchat.push.message;

import java.util.List;

/**
 * The message of a queued body this version cannot read (an unknown template, button or quick
 * reply type, or a required field missing). The validator never builds one; the worker fails
 * it as {@code invalid_message} rather than retrying a body that will never read.
 *
 * @param templateType the body's {@code template_type}, or null when it had none
 * @param reason       what could not be read, for the failure's message
 */
public record UnreadableMessage(String templateType, String reason) implements OutboundMessage {

    @Override
    public List<QuickReply> quickReplies() {
        return List.of();
    }
}
