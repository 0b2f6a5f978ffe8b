package ai.joinchat.push.message;

import static ai.joinchat.push.message.MessageJson.list;
import static ai.joinchat.push.message.MessageJson.number;
import static ai.joinchat.push.message.MessageJson.optionalText;
import static ai.joinchat.push.message.MessageJson.put;
import static ai.joinchat.push.message.MessageJson.putArray;
import static ai.joinchat.push.message.MessageJson.requiredNumber;
import static ai.joinchat.push.message.MessageJson.text;

import ai.joinchat.push.message.OutboundMessage.ReceiptTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** The {@code receipt} part of {@link MessageJson}: its address, summary, adjustments and items. */
final class ReceiptJson {

    private ReceiptJson() {
    }

    static void write(ReceiptTemplate receipt, ObjectNode out) {
        out.put("recipient_name", receipt.recipientName());
        out.put("order_number", receipt.orderNumber());
        out.put("currency", receipt.currency());
        out.put("payment_method", receipt.paymentMethod());
        put(out, "order_url", receipt.orderUrl());
        put(out, "timestamp", receipt.timestamp());
        put(out, "sharable", receipt.sharable());
        ReceiptTemplate.Address address = receipt.address();
        if (address != null) {
            ObjectNode a = out.putObject("address");
            put(a, "street_1", address.street1());
            put(a, "street_2", address.street2());
            put(a, "city", address.city());
            put(a, "postal_code", address.postalCode());
            put(a, "state", address.state());
            put(a, "country", address.country());
        }
        ReceiptTemplate.Summary summary = receipt.summary();
        ObjectNode s = out.putObject("summary");
        put(s, "subtotal", summary.subtotal());
        put(s, "shipping_cost", summary.shippingCost());
        put(s, "total_tax", summary.totalTax());
        put(s, "total_cost", summary.totalCost());
        putArray(out, "adjustments", receipt.adjustments(), ReceiptJson::adjustment);
        putArray(out, "elements", receipt.elements(), ReceiptJson::item);
    }

    static ReceiptTemplate read(JsonNode message, List<QuickReply> quickReplies) {
        JsonNode summary = message.get("summary");
        if (summary == null || !summary.isObject()) {
            throw new IllegalArgumentException("summary is required");
        }
        return new ReceiptTemplate(text(message, "recipient_name"), text(message, "order_number"),
                text(message, "currency"), text(message, "payment_method"), optionalText(message, "order_url"),
                timestamp(message.get("timestamp")), MessageJson.bool(message, "sharable"),
                address(message.get("address")),
                new ReceiptTemplate.Summary(number(summary, "subtotal"), number(summary, "shipping_cost"),
                        number(summary, "total_tax"), requiredNumber(summary, "total_cost")),
                list(message, "adjustments", a -> new ReceiptTemplate.Adjustment(text(a, "name"),
                        requiredNumber(a, "amount"))),
                list(message, "elements", ReceiptJson::item), quickReplies);
    }

    private static ReceiptTemplate.Address address(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return new ReceiptTemplate.Address(text(node, "street_1"), optionalText(node, "street_2"),
                text(node, "city"), text(node, "postal_code"), text(node, "state"), text(node, "country"));
    }

    private static ObjectNode adjustment(ReceiptTemplate.Adjustment adjustment) {
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("name", adjustment.name());
        put(out, "amount", adjustment.amount());
        return out;
    }

    private static ObjectNode item(ReceiptTemplate.Item item) {
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("title", item.title());
        put(out, "subtitle", item.subtitle());
        put(out, "quantity", item.quantity());
        put(out, "price", item.price());
        put(out, "currency", item.currency());
        put(out, "image_url", item.imageUrl());
        return out;
    }

    private static ReceiptTemplate.Item item(JsonNode node) {
        return new ReceiptTemplate.Item(text(node, "title"), optionalText(node, "subtitle"),
                number(node, "quantity"), requiredNumber(node, "price"), optionalText(node, "currency"),
                optionalText(node, "image_url"));
    }

    /** Unix seconds as digits: earlier versions queued the caller's integer as given. */
    private static String timestamp(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        throw new IllegalArgumentException("timestamp must be digits");
    }
}
