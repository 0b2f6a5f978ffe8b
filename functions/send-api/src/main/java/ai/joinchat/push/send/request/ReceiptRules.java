package ai.joinchat.push.send.request;

import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.QuickReply;
import ai.joinchat.push.message.ReceiptTemplate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The rules of the {@code receipt} template; currencies are upper-cased, a timestamp kept as digits. */
final class ReceiptRules {

    static final int MAX_ELEMENTS = 100;

    private static final Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");
    private static final Pattern TIMESTAMP_DIGITS = Pattern.compile("[0-9]{1,19}");
    private static final String CURRENCY_RULE = "must be a 3-letter ISO 4217 currency code, e.g. USD";

    private ReceiptRules() {
    }

    static Function<List<QuickReply>, OutboundMessage> receipt(ObjectFields message) {
        String recipientName = message.requiredText("recipient_name", 1, 0);
        String orderNumber = message.requiredText("order_number", 1, 0);
        String currency = currency(message, true);
        String paymentMethod = message.requiredText("payment_method", 1, 0);
        String orderUrl = message.optionalHttpUrl("order_url");
        Boolean sharable = message.optionalBoolean("sharable");
        String timestamp = timestamp(message);
        ReceiptTemplate.Summary summary = summary(message.requiredObject("summary"));
        ReceiptTemplate.Address address = address(message.optionalObject("address"));
        List<ReceiptTemplate.Adjustment> adjustments = message.optionalArray("adjustments", 0, "adjustments",
                a -> new ReceiptTemplate.Adjustment(a.requiredText("name", 1, 0), a.requiredNumber("amount")));
        List<ReceiptTemplate.Item> items = message.optionalArray("elements", MAX_ELEMENTS, "elements",
                ReceiptRules::item);
        return quickReplies -> new ReceiptTemplate(recipientName, orderNumber, currency, paymentMethod, orderUrl,
                timestamp, sharable, address, summary, adjustments, items, quickReplies);
    }

    private static ReceiptTemplate.Summary summary(ObjectFields summary) {
        if (summary == null) {
            return null;
        }
        Number totalCost = summary.requiredNumber("total_cost");
        return new ReceiptTemplate.Summary(summary.optionalNumber("subtotal"), summary.optionalNumber("shipping_cost"),
                summary.optionalNumber("total_tax"), totalCost);
    }

    private static ReceiptTemplate.Address address(ObjectFields address) {
        if (address == null) {
            return null;
        }
        String street1 = address.requiredText("street_1", 1, 0);
        String city = address.requiredText("city", 1, 0);
        String postalCode = address.requiredText("postal_code", 1, 0);
        String state = address.requiredText("state", 1, 0);
        String country = address.requiredText("country", 1, 0);
        return new ReceiptTemplate.Address(street1, address.optionalText("street_2", 0), city, postalCode, state,
                country);
    }

    private static ReceiptTemplate.Item item(ObjectFields element) {
        String title = element.requiredText("title", 1, 0);
        Number price = element.requiredNumber("price");
        String subtitle = element.optionalText("subtitle", 0);
        Number quantity = element.optionalNumber("quantity");
        String imageUrl = element.optionalHttpUrl("image_url");
        return new ReceiptTemplate.Item(title, subtitle, quantity, price, currency(element, false), imageUrl);
    }

    /** A 3-letter currency code, upper-cased. */
    private static String currency(ObjectFields owner, boolean required) {
        JsonNode value = owner.get("currency");
        if (value == null) {
            if (required) {
                owner.violation("currency", "is required; " + CURRENCY_RULE.substring("must be ".length()));
            }
            return null;
        }
        if (value.isTextual() && CURRENCY.matcher(value.textValue()).matches()) {
            return value.textValue().toUpperCase(Locale.ROOT);
        }
        owner.violation("currency", CURRENCY_RULE);
        return null;
    }

    /** Unix seconds as digits, given as a string or a non-negative integer. */
    private static String timestamp(ObjectFields message) {
        JsonNode value = message.get("timestamp");
        if (value == null) {
            return null;
        }
        if (value.isTextual() ? TIMESTAMP_DIGITS.matcher(value.textValue()).matches()
                : value.isIntegralNumber() && value.bigIntegerValue().signum() >= 0) {
            return value.isTextual() ? value.textValue() : value.bigIntegerValue().toString();
        }
        message.violation("timestamp", "must be a Unix timestamp in seconds: digits, as a string or integer");
        return null;
    }
}
