package ai.joinchat.push.message;

import java.util.List;

/** {@code text}: up to 2000 characters. */
public record TextMessage(String text, List<QuickReply> quickReplies) implements OutboundMessage {

    public TextMessage {
        quickReplies = List.copyOf(quickReplies);
    }
}
