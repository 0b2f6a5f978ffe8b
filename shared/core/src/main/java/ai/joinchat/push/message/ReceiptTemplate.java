package ai.joinchat.push.message;

import java.util.List;

/**
 * {@code receipt}: an order confirmation. Amounts keep the JSON number they were given as
 * ({@link Number}: an integer stays an integer); {@code timestamp} is Unix seconds as digits.
 * Optional fields are null when absent.
 */
public record ReceiptTemplate(String recipientName, String orderNumber, String currency, String paymentMethod,
                              String orderUrl, String timestamp, Boolean sharable, Address address,
                              Summary summary, List<Adjustment> adjustments, List<Item> elements,
                              List<QuickReply> quickReplies) implements OutboundMessage {

    public ReceiptTemplate {
        adjustments = List.copyOf(adjustments);
        elements = List.copyOf(elements);
        quickReplies = List.copyOf(quickReplies);
    }

    /** The shipping address; {@code street2} may be null. */
    public record Address(String street1, String street2, String city, String postalCode, String state,
                          String country) {
    }

    /** The totals; only {@code totalCost} is required. */
    public record Summary(Number subtotal, Number shippingCost, Number totalTax, Number totalCost) {
    }

    /** A discount or other adjustment. */
    public record Adjustment(String name, Number amount) {
    }

    /** An ordered item; {@code currency} is upper case, the optional fields null when absent. */
    public record Item(String title, String subtitle, Number quantity, Number price, String currency,
                       String imageUrl) {
    }
}
