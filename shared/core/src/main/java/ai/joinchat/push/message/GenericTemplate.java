package ai.joinchat.push.message;

import java.util.List;

/** {@code generic}: a carousel of one to ten elements; the options are null when absent. */
public record GenericTemplate(List<Element> elements, String imageAspectRatio, Boolean sharable,
                              List<QuickReply> quickReplies) implements OutboundMessage {

    public GenericTemplate {
        elements = List.copyOf(elements);
        quickReplies = List.copyOf(quickReplies);
    }
}
