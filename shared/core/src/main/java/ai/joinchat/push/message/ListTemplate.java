package ai.joinchat.push.message;

import java.util.List;

/**
 * {@code list}: two to four elements, delivered as a generic carousel, since Messenger removed
 * the list template in 2019. Its list-level buttons and {@code top_element_style} are validated
 * but not kept: the generic template has neither.
 */
public record ListTemplate(List<Element> elements, Boolean sharable, List<QuickReply> quickReplies)
        implements OutboundMessage {

    public ListTemplate {
        elements = List.copyOf(elements);
        quickReplies = List.copyOf(quickReplies);
    }
}
