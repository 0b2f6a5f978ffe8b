package ai.joinchat.push.message;

import java.util.List;

/**
 * A message the send API accepted, as the worker sends it: one of the contract's templates
 * (section 3), already validated and normalised. Optional fields are {@code null} when absent.
 * The send API's validator builds it, {@code QueuedMessage} carries it through SQS as
 * {@link MessageJson}, and the worker's Graph mapper turns it into a Send API message.
 */
public sealed interface OutboundMessage {

    /** The contract's {@code template_type}: {@code text}, {@code button}, {@code generic}, {@code list}, {@code receipt}. */
    default String templateType() {
        return this instanceof TextMessage ? "text" : this instanceof ButtonTemplate ? "button"
                : this instanceof GenericTemplate ? "generic" : this instanceof ListTemplate ? "list" : "receipt";
    }

    List<QuickReply> quickReplies();

    /** {@code text}: up to 2000 characters. */
    record TextMessage(String text, List<QuickReply> quickReplies) implements OutboundMessage {
        public TextMessage {
            quickReplies = List.copyOf(quickReplies);
        }
    }

    /** {@code button}: a text with one to three buttons. */
    record ButtonTemplate(String text, List<Button> buttons, Boolean sharable, List<QuickReply> quickReplies)
            implements OutboundMessage {
        public ButtonTemplate {
            buttons = List.copyOf(buttons);
            quickReplies = List.copyOf(quickReplies);
        }
    }

    /** {@code generic}: a carousel of one to ten elements. */
    record GenericTemplate(List<Element> elements, String imageAspectRatio, Boolean sharable,
                           List<QuickReply> quickReplies) implements OutboundMessage {
        public GenericTemplate {
            elements = List.copyOf(elements);
            quickReplies = List.copyOf(quickReplies);
        }
    }

    /**
     * {@code list}: two to four elements, delivered as a generic carousel, since Messenger removed
     * the list template in 2019. Its list-level buttons and {@code top_element_style} are validated
     * but not kept: the generic template has neither.
     */
    record ListTemplate(List<Element> elements, Boolean sharable, List<QuickReply> quickReplies)
            implements OutboundMessage {
        public ListTemplate {
            elements = List.copyOf(elements);
            quickReplies = List.copyOf(quickReplies);
        }
    }

    /**
     * {@code receipt}: an order confirmation. Amounts keep the JSON number they were given as
     * ({@link Number}: an integer stays an integer); {@code timestamp} is Unix seconds as digits.
     */
    record ReceiptTemplate(String recipientName, String orderNumber, String currency, String paymentMethod,
                           String orderUrl, String timestamp, Boolean sharable, Address address,
                           Summary summary, List<Adjustment> adjustments, List<Item> elements,
                           List<QuickReply> quickReplies) implements OutboundMessage {

        public ReceiptTemplate {
            adjustments = List.copyOf(adjustments);
            elements = List.copyOf(elements);
            quickReplies = List.copyOf(quickReplies);
        }

        /** The shipping address. */
        public record Address(String street1, String street2, String city, String postalCode, String state,
                              String country) {
        }

        /** The totals; only {@code totalCost} is required. */
        public record Summary(Number subtotal, Number shippingCost, Number totalTax, Number totalCost) {
        }

        /** A discount or other adjustment. */
        public record Adjustment(String name, Number amount) {
        }

        /** An ordered item; {@code currency} is upper case. */
        public record Item(String title, String subtitle, Number quantity, Number price, String currency,
                           String imageUrl) {
        }
    }

    /** The message of a queued body this version cannot read: the worker fails it as {@code invalid_message}. */
    record UnreadableMessage(String templateType, String reason) implements OutboundMessage {
        @Override
        public List<QuickReply> quickReplies() {
            return List.of();
        }
    }

    /** An element of a generic or list template. */
    record Element(String title, String subtitle, String imageUrl, UrlTarget defaultAction, List<Button> buttons) {
        public Element {
            buttons = List.copyOf(buttons);
        }
    }

    /** What a {@code web_url} button or an element's {@code default_action} opens. */
    record UrlTarget(String url, String webviewHeightRatio, Boolean messengerExtensions, String fallbackUrl) {
    }
}
