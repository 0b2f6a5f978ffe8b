package ai.joinchat.push.send.request;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The rules of the {@code receipt} template. */
final class ReceiptRules {

    static final int MAX_ELEMENTS = 100;

    private static final Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");
    private static final Pattern TIMESTAMP_DIGITS = Pattern.compile("[0-9]{1,19}");
    private static final String CURRENCY_RULE = "must be a 3-letter ISO 4217 currency code, e.g. USD";

    void receipt(ObjectFields message) {
        message.requiredText("recipient_name", 1, 0);
        message.requiredText("order_number", 1, 0);
        currency(message, true);
        message.requiredText("payment_method", 1, 0);
        message.optionalHttpUrl("order_url");
        message.optionalBoolean("sharable");
        timestamp(message);
        message.requiredObject("summary").ifPresent(summary -> {
            summary.requiredNumber("total_cost");
            summary.optionalNumber("subtotal");
            summary.optionalNumber("shipping_cost");
            summary.optionalNumber("total_tax");
        });
        message.optionalObject("address").ifPresent(address -> {
            for (String field : new String[] {"street_1", "city", "postal_code", "state", "country"}) {
                address.requiredText(field, 1, 0);
            }
            address.optionalText("street_2", 0);
        });
        message.optionalArray("adjustments", 0, "adjustments").ifPresent(adjustments -> {
            for (ObjectFields adjustment : message.objectsIn("adjustments", adjustments)) {
                adjustment.requiredText("name", 1, 0);
                adjustment.requiredNumber("amount");
            }
        });
        message.optionalArray("elements", MAX_ELEMENTS, "elements").ifPresent(elements -> {
            for (ObjectFields element : message.objectsIn("elements", elements)) {
                element.requiredText("title", 1, 0);
                element.requiredNumber("price");
                element.optionalText("subtitle", 0);
                element.optionalNumber("quantity");
                element.optionalHttpUrl("image_url");
                currency(element, false);
            }
        });
    }

    /** A 3-letter currency code, upper-cased in the validated copy. */
    private static void currency(ObjectFields owner, boolean required) {
        Optional<JsonNode> value = owner.get("currency");
        if (value.isEmpty()) {
            if (required) {
                owner.violation("currency", "is required; " + CURRENCY_RULE.substring("must be ".length()));
            }
            return;
        }
        if (value.get().isTextual() && CURRENCY.matcher(value.get().textValue()).matches()) {
            owner.node().put("currency", value.get().textValue().toUpperCase(Locale.ROOT));
        } else {
            owner.violation("currency", CURRENCY_RULE);
        }
    }

    private static void timestamp(ObjectFields message) {
        message.get("timestamp").ifPresent(value -> {
            boolean valid = value.isTextual()
                    ? TIMESTAMP_DIGITS.matcher(value.textValue()).matches()
                    : value.isIntegralNumber() && value.bigIntegerValue().signum() >= 0;
            if (!valid) {
                message.violation("timestamp", "must be a Unix timestamp in seconds: digits, as a string or integer");
            }
        });
    }
}
