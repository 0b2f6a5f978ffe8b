package ai.joinchat.push.message;

import java.util.List;

/** The message of a queued body this version cannot read: the worker fails it as {@code invalid_message}. */
public record UnreadableMessage(String templateType, String reason) implements OutboundMessage {

    @Override
    public List<QuickReply> quickReplies() {
        return List.of();
    }
}
