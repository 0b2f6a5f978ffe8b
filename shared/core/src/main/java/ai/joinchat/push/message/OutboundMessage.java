package ai.joinchat.push.message;

import java.util.List;

/**
 * A message the send API accepted, as the worker sends it: one of the contract's templates
 * (section 3), already validated and normalised. Optional fields are {@code null} when absent.
 * The send API's validator builds it, {@code QueuedMessage} carries it through SQS as
 * {@link MessageJson}, and the worker's Graph mapper turns it into a Send API message.
 */
public sealed interface OutboundMessage
        permits TextMessage, ButtonTemplate, GenericTemplate, ListTemplate, ReceiptTemplate, UnreadableMessage {

    /** The contract's {@code template_type}: {@code text}, {@code button}, {@code generic}, {@code list}, {@code receipt}. */
    default String templateType() {
        return this instanceof TextMessage ? "text" : this instanceof ButtonTemplate ? "button"
                : this instanceof GenericTemplate ? "generic" : this instanceof ListTemplate ? "list" : "receipt";
    }

    List<QuickReply> quickReplies();
}
