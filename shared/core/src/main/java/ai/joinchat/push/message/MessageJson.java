package ai.joinchat.push.message;

import ai.joinchat.push.message.OutboundMessage.ButtonTemplate;
import ai.joinchat.push.message.OutboundMessage.Element;
import ai.joinchat.push.message.OutboundMessage.GenericTemplate;
import ai.joinchat.push.message.OutboundMessage.ListTemplate;
import ai.joinchat.push.message.OutboundMessage.ReceiptTemplate;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.message.OutboundMessage.UnreadableMessage;
import ai.joinchat.push.message.OutboundMessage.UrlTarget;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The contract's {@code message} object (section 3) for an {@link OutboundMessage}, as SQS
 * carries it; field for field also Messenger's template payload. {@link #read} also reads the
 * bodies earlier versions queued.
 */
public final class MessageJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MessageJson() {
    }

    /** The message as the contract's {@code message} object, {@code template_type} first. */
    public static ObjectNode write(OutboundMessage message) {
        ObjectNode out = NODES.objectNode();
        put(out, "template_type", message.templateType());
        if (message instanceof TextMessage text) {
            out.put("text", text.text());
        } else if (message instanceof ButtonTemplate button) {
            out.put("text", button.text());
            putArray(out, "buttons", button.buttons(), MessageJson::button);
            put(out, "sharable", button.sharable());
        } else if (message instanceof GenericTemplate generic) {
            putArray(out, "elements", generic.elements(), MessageJson::element);
            put(out, "image_aspect_ratio", generic.imageAspectRatio());
            put(out, "sharable", generic.sharable());
        } else if (message instanceof ListTemplate list) {
            putArray(out, "elements", list.elements(), MessageJson::element);
            put(out, "sharable", list.sharable());
        } else if (message instanceof ReceiptTemplate receipt) {
            receipt(receipt, out);
        }
        putArray(out, "quick_replies", message.quickReplies(), MessageJson::quickReply);
        return out;
    }

    /** Throws IllegalArgumentException when it is not a message this version can send. */
    public static OutboundMessage read(String templateType, JsonNode message) {
        String type = templateType != null ? templateType : optionalText(message, "template_type");
        List<QuickReply> quickReplies = list(message, "quick_replies", MessageJson::quickReply);
        return switch (type == null ? "" : type) {
            case "text" -> new TextMessage(text(message, "text"), quickReplies);
            case "button" -> new ButtonTemplate(text(message, "text"), list(message, "buttons", MessageJson::button),
                    bool(message, "sharable"), quickReplies);
            case "generic" -> new GenericTemplate(list(message, "elements", MessageJson::element),
                    optionalText(message, "image_aspect_ratio"), bool(message, "sharable"), quickReplies);
            case "list" -> new ListTemplate(list(message, "elements", MessageJson::element), bool(message, "sharable"),
                    quickReplies);
            case "receipt" -> receipt(message, quickReplies);
            default -> throw new IllegalArgumentException("unsupported template_type: " + abbreviate(type));
        };
    }

    /** As {@link #read}, and what it cannot read becomes an {@link UnreadableMessage}. */
    public static OutboundMessage readQueued(String templateType, JsonNode message) {
        try {
            return read(templateType, message);
        } catch (IllegalArgumentException e) {
            return new UnreadableMessage(templateType, e.getMessage());
        }
    }

    // ---- buttons, elements, quick replies ---------------------------------------------------

    private static ObjectNode button(Button button) {
        ObjectNode out = NODES.objectNode();
        if (button instanceof Button.WebUrl webUrl) {
            out.put("type", "web_url").put("url", webUrl.target().url()).put("title", webUrl.title());
            putWebviewOptions(out, webUrl.target());
        } else if (button instanceof Button.Postback postback) {
            out.put("type", "postback").put("title", postback.title()).put("payload", postback.payload());
        } else if (button instanceof Button.PhoneNumber phone) {
            out.put("type", "phone_number").put("title", phone.title()).put("payload", phone.number());
        }
        return out;
    }

    private static Button button(JsonNode node) {
        String type = text(node, "type");
        return switch (type) {
            case "web_url" -> new Button.WebUrl(text(node, "title"), urlTarget(node));
            case "postback" -> new Button.Postback(text(node, "title"), text(node, "payload"));
            case "phone_number" -> new Button.PhoneNumber(text(node, "title"), text(node, "payload"));
            default -> throw new IllegalArgumentException("unsupported button type: " + abbreviate(type));
        };
    }

    private static ObjectNode element(Element element) {
        ObjectNode out = NODES.objectNode().put("title", element.title());
        put(out, "subtitle", element.subtitle());
        put(out, "image_url", element.imageUrl());
        if (element.defaultAction() != null) {
            ObjectNode action = out.putObject("default_action").put("type", "web_url");
            action.put("url", element.defaultAction().url());
            putWebviewOptions(action, element.defaultAction());
        }
        putArray(out, "buttons", element.buttons(), MessageJson::button);
        return out;
    }

    private static Element element(JsonNode node) {
        JsonNode action = node.get("default_action");
        return new Element(text(node, "title"), optionalText(node, "subtitle"), optionalText(node, "image_url"),
                action == null || action.isNull() ? null : urlTarget(action),
                list(node, "buttons", MessageJson::button));
    }

    private static void putWebviewOptions(ObjectNode out, UrlTarget target) {
        put(out, "webview_height_ratio", target.webviewHeightRatio());
        put(out, "messenger_extensions", target.messengerExtensions());
        put(out, "fallback_url", target.fallbackUrl());
    }

    private static UrlTarget urlTarget(JsonNode node) {
        return new UrlTarget(text(node, "url"), optionalText(node, "webview_height_ratio"),
                bool(node, "messenger_extensions"), optionalText(node, "fallback_url"));
    }

    private static ObjectNode quickReply(QuickReply reply) {
        ObjectNode out = NODES.objectNode().put("content_type", reply.contentType());
        if (reply instanceof QuickReply.Text text) {
            out.put("title", text.title()).put("payload", text.payload());
            put(out, "image_url", text.imageUrl());
        }
        return out;
    }

    private static QuickReply quickReply(JsonNode node) {
        String contentType = text(node, "content_type");
        return switch (contentType) {
            case "text" -> new QuickReply.Text(text(node, "title"), text(node, "payload"), optionalText(node, "image_url"));
            case "user_phone_number" -> new QuickReply.UserPhoneNumber();
            case "user_email" -> new QuickReply.UserEmail();
            default -> throw new IllegalArgumentException("unsupported quick reply content_type: "
                    + abbreviate(contentType));
        };
    }

    // ---- receipt: its address, summary, adjustments and items ---------------------------------

    private static void receipt(ReceiptTemplate receipt, ObjectNode out) {
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
        putArray(out, "adjustments", receipt.adjustments(), MessageJson::adjustment);
        putArray(out, "elements", receipt.elements(), MessageJson::item);
    }

    private static ReceiptTemplate receipt(JsonNode message, List<QuickReply> quickReplies) {
        JsonNode summary = message.get("summary");
        if (summary == null || !summary.isObject()) {
            throw new IllegalArgumentException("summary is required");
        }
        return new ReceiptTemplate(text(message, "recipient_name"), text(message, "order_number"),
                text(message, "currency"), text(message, "payment_method"), optionalText(message, "order_url"),
                timestamp(message.get("timestamp")), bool(message, "sharable"),
                address(message.get("address")),
                new ReceiptTemplate.Summary(number(summary, "subtotal"), number(summary, "shipping_cost"),
                        number(summary, "total_tax"), requiredNumber(summary, "total_cost")),
                list(message, "adjustments", a -> new ReceiptTemplate.Adjustment(text(a, "name"),
                        requiredNumber(a, "amount"))),
                list(message, "elements", MessageJson::item), quickReplies);
    }

    private static ReceiptTemplate.Address address(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return new ReceiptTemplate.Address(text(node, "street_1"), optionalText(node, "street_2"),
                text(node, "city"), text(node, "postal_code"), text(node, "state"), text(node, "country"));
    }

    private static ObjectNode adjustment(ReceiptTemplate.Adjustment adjustment) {
        ObjectNode out = NODES.objectNode().put("name", adjustment.name());
        put(out, "amount", adjustment.amount());
        return out;
    }

    private static ObjectNode item(ReceiptTemplate.Item item) {
        ObjectNode out = NODES.objectNode().put("title", item.title());
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

    // ---- fields --------------------------------------------------------------------------------

    private static String text(JsonNode node, String field) {
        return required(optionalText(node, field), field);
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = field(node, field, JsonNode::isTextual, "a string");
        return value == null ? null : value.textValue();
    }

    private static Boolean bool(JsonNode node, String field) {
        JsonNode value = field(node, field, JsonNode::isBoolean, "a boolean");
        return value == null ? null : value.booleanValue();
    }

    private static Number number(JsonNode node, String field) {
        JsonNode value = field(node, field, JsonNode::isNumber, "a number");
        return value == null ? null : value.numberValue();
    }

    private static Number requiredNumber(JsonNode node, String field) {
        return required(number(node, field), field);
    }

    private static JsonNode field(JsonNode node, String field, Predicate<JsonNode> kind, String kindName) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!kind.test(value)) {
            throw new IllegalArgumentException(field + " must be " + kindName);
        }
        return value;
    }

    private static <T> List<T> list(JsonNode node, String field, Function<JsonNode, T> item) {
        JsonNode array = node.get(field);
        if (array == null || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new IllegalArgumentException(field + " must be an array");
        }
        List<T> items = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            if (!element.isObject()) {
                throw new IllegalArgumentException(field + " must hold objects");
            }
            items.add(item.apply(element));
        }
        return items;
    }

    private static void put(ObjectNode out, String field, Object value) {
        if (value instanceof String text) {
            out.put(field, text);
        } else if (value instanceof Boolean bool) {
            out.put(field, bool);
        } else if (value instanceof BigDecimal decimal) {
            out.put(field, decimal);
        } else if (value instanceof BigInteger integer) {
            out.put(field, integer);
        } else if (value instanceof Double || value instanceof Float) {
            out.put(field, ((Number) value).doubleValue());
        } else if (value instanceof Long) {
            out.put(field, ((Number) value).longValue());
        } else if (value instanceof Number number) {
            out.put(field, number.intValue());
        }
    }

    private static <T> void putArray(ObjectNode out, String field, List<T> items, Function<T, ObjectNode> item) {
        if (!items.isEmpty()) {
            ArrayNode array = out.putArray(field);
            items.forEach(value -> array.add(item.apply(value)));
        }
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
