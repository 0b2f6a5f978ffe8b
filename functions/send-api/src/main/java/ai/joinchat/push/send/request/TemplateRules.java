package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.message.Button;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.message.OutboundMessage.ButtonTemplate;
import ai.joinchat.push.message.OutboundMessage.Element;
import ai.joinchat.push.message.OutboundMessage.GenericTemplate;
import ai.joinchat.push.message.OutboundMessage.ListTemplate;
import ai.joinchat.push.message.OutboundMessage.ReceiptTemplate;
import ai.joinchat.push.message.OutboundMessage.TextMessage;
import ai.joinchat.push.message.OutboundMessage.UrlTarget;
import ai.joinchat.push.message.QuickReply;
import ai.joinchat.push.request.RecipientType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code message}: a required object whose {@code template_type} selects the rules (Messenger's
 * current limits, counted in Unicode code points), plus the optional {@code quick_replies} allowed on
 * every type. Each template is read first and built once the quick replies, read after it, are known.
 */
final class TemplateRules {

    private static final int TITLE_MAX = 20;
    private static final int PAYLOAD_MAX = 1000;

    static final String LIST_REMOVED_WARNING = "the list template was removed by Messenger in 2019;"
            + " the message is delivered as a generic template carousel";

    private static final List<String> TEMPLATE_TYPES = List.of("text", "button", "generic", "list", "receipt");
    private static final List<String> BUTTON_TYPES = List.of("web_url", "postback", "phone_number");
    private static final List<String> WEBVIEW_HEIGHT_RATIOS = List.of("compact", "tall", "full");
    private static final List<String> IMAGE_ASPECT_RATIOS = List.of("horizontal", "square");
    private static final List<String> TOP_ELEMENT_STYLES = List.of("compact", "large");
    private static final List<String> CONTENT_TYPES = List.of("text", "user_phone_number", "user_email");
    private static final Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");
    private static final Pattern TIMESTAMP_DIGITS = Pattern.compile("[0-9]{1,19}");
    private static final String CURRENCY_RULE = "must be a 3-letter ISO 4217 currency code, e.g. USD";

    /** The message, or null when it is absent or not an object (reported). */
    static OutboundMessage validate(ObjectFields body) {
        JsonNode node = body.get("message");
        if (node == null || !node.isObject()) {
            body.violation("message", node == null ? "is required: an object with a template_type"
                    : "must be an object with a template_type");
            return null;
        }
        ObjectFields message = new ObjectFields(node, body.path("message"), body.violations(), body.warnings());
        String type = message.requiredChoice("template_type", TEMPLATE_TYPES);
        Function<List<QuickReply>, OutboundMessage> template = type == null ? null : switch (type) {
            case "text" -> text(message);
            case "button" -> button(message);
            case "generic" -> generic(message);
            case "list" -> list(message);
            default -> receipt(message);
        };
        List<QuickReply> quickReplies = message.optionalArray("quick_replies", 13, "quick replies",
                TemplateRules::quickReply);
        return template == null ? null : template.apply(quickReplies);
    }

    private static QuickReply quickReply(ObjectFields reply) {
        String contentType = reply.requiredChoice("content_type", CONTENT_TYPES);
        if (contentType == null || !contentType.equals("text")) {
            return contentType == null ? null
                    : contentType.equals("user_email") ? new QuickReply.UserEmail() : new QuickReply.UserPhoneNumber();
        }
        String title = reply.requiredText("title", TITLE_MAX);
        String imageUrl = reply.optionalHttpUrl("image_url");
        String text = payload(reply, value -> value.isNumber() ? value.asText()
                : value.isTextual() ? value.textValue() : null, "is required for a text quick reply", "must be a string");
        return new QuickReply.Text(title, text, imageUrl);
    }

    private static Function<List<QuickReply>, OutboundMessage> text(ObjectFields message) {
        String text = message.requiredText("text", 2000);
        return quickReplies -> new TextMessage(text, quickReplies);
    }

    private static Function<List<QuickReply>, OutboundMessage> button(ObjectFields message) {
        String text = message.requiredText("text", 640);
        List<Button> list = message.requiredArray("buttons", 1, 3, "buttons", TemplateRules::oneButton);
        Boolean sharable = message.optionalBoolean("sharable");
        return quickReplies -> new ButtonTemplate(text, list, sharable, quickReplies);
    }

    private static Function<List<QuickReply>, OutboundMessage> generic(ObjectFields message) {
        String imageAspectRatio = message.optionalChoice("image_aspect_ratio", IMAGE_ASPECT_RATIOS);
        Boolean sharable = message.optionalBoolean("sharable");
        List<Element> elements = message.requiredArray("elements", 1, 10, "elements", e -> element(e, 3, true));
        return quickReplies -> new GenericTemplate(elements, imageAspectRatio, sharable, quickReplies);
    }

    private static Function<List<QuickReply>, OutboundMessage> list(ObjectFields message) {
        Boolean sharable = message.optionalBoolean("sharable");
        boolean hasTopStyle = message.optionalChoice("top_element_style", TOP_ELEMENT_STYLES) != null;
        boolean hasListButtons = !message.optionalArray("buttons", 1, "buttons", TemplateRules::oneButton).isEmpty();
        List<Element> elements = message.requiredArray("elements", 2, 4, "elements", e -> element(e, 1, false));
        message.warnings().add(LIST_REMOVED_WARNING);
        if (hasListButtons || hasTopStyle) {
            String dropped = hasListButtons && hasTopStyle ? "message.buttons and message.top_element_style are"
                    : hasListButtons ? "message.buttons is" : "message.top_element_style is";
            message.warnings().add(dropped + " dropped: the generic template has no list-level buttons"
                    + " or top element style");
        }
        return quickReplies -> new ListTemplate(elements, sharable, quickReplies);
    }

    /**
     * What generic and list elements share: title, subtitle, image_url, default_action, buttons.
     * Besides its title a list element needs a subtitle or image_url, a generic one any of the four.
     */
    private static Element element(ObjectFields element, int maxButtons, boolean generic) {
        Element read = new Element(element.requiredText("title", 80), element.optionalText("subtitle", 80),
                element.optionalHttpUrl("image_url"), optionalDefaultAction(element),
                element.optionalArray("buttons", maxButtons, "buttons", TemplateRules::oneButton));
        boolean shown = element.has("subtitle") && !element.get("subtitle").asText().isEmpty()
                || element.has("image_url");
        if (!generic && !shown) {
            element.violations().add(new FieldProblem(element.path(), "needs image_url or subtitle"));
        } else if (!shown && !element.has("default_action") && !has(element.get("buttons"))) {
            element.violations().add(new FieldProblem(element.path(),
                    "needs at least one of subtitle, image_url, default_action or buttons besides title"));
        }
        return read;
    }

    private static boolean has(JsonNode array) {
        return array != null && !array.isEmpty();
    }

    private static Function<List<QuickReply>, OutboundMessage> receipt(ObjectFields message) {
        String recipientName = message.requiredText("recipient_name", 0);
        String orderNumber = message.requiredText("order_number", 0);
        String currency = currency(message, true);
        String paymentMethod = message.requiredText("payment_method", 0);
        String orderUrl = message.optionalHttpUrl("order_url");
        Boolean sharable = message.optionalBoolean("sharable");
        String timestamp = timestamp(message);
        ReceiptTemplate.Summary summary = summary(message.required("summary", message::optionalObject));
        ReceiptTemplate.Address address = address(message.optionalObject("address"));
        List<ReceiptTemplate.Adjustment> adjustments = message.optionalArray("adjustments", 0, "adjustments",
                a -> new ReceiptTemplate.Adjustment(a.requiredText("name", 0),
                        a.required("amount", a::optionalNumber)));
        List<ReceiptTemplate.Item> items = message.optionalArray("elements", 100, "elements", TemplateRules::item);
        return quickReplies -> new ReceiptTemplate(recipientName, orderNumber, currency, paymentMethod, orderUrl,
                timestamp, sharable, address, summary, adjustments, items, quickReplies);
    }

    private static ReceiptTemplate.Summary summary(ObjectFields summary) {
        if (summary == null) {
            return null;
        }
        Number totalCost = summary.required("total_cost", summary::optionalNumber);
        return new ReceiptTemplate.Summary(summary.optionalNumber("subtotal"), summary.optionalNumber("shipping_cost"),
                summary.optionalNumber("total_tax"), totalCost);
    }

    private static ReceiptTemplate.Address address(ObjectFields address) {
        if (address == null) {
            return null;
        }
        String street1 = address.requiredText("street_1", 0);
        String city = address.requiredText("city", 0);
        String postalCode = address.requiredText("postal_code", 0);
        String state = address.requiredText("state", 0);
        String country = address.requiredText("country", 0);
        return new ReceiptTemplate.Address(street1, address.optionalText("street_2", 0), city, postalCode, state,
                country);
    }

    private static ReceiptTemplate.Item item(ObjectFields element) {
        String title = element.requiredText("title", 0);
        Number price = element.required("price", element::optionalNumber);
        String subtitle = element.optionalText("subtitle", 0);
        Number quantity = element.optionalNumber("quantity");
        String imageUrl = element.optionalHttpUrl("image_url");
        return new ReceiptTemplate.Item(title, subtitle, quantity, price, currency(element, false), imageUrl);
    }

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

    /** An object or array postback payload becomes its compact JSON string, a phone_number payload + and digits. */
    private static Button oneButton(ObjectFields button) {
        String type = button.requiredChoice("type", BUTTON_TYPES);
        if (type == null) {
            return null;
        }
        String title = button.requiredText("title", TITLE_MAX);
        return switch (type) {
            case "web_url" -> new Button.WebUrl(title, urlTarget(button));
            case "postback" -> new Button.Postback(title, payload(button, value -> value.isContainerNode()
                    ? withoutNulls(value.deepCopy()).toString() : value.isTextual() ? value.textValue() : null,
                    "is required", "must be a string or a JSON object"));
            default -> new Button.PhoneNumber(title, payload(button,
                    value -> SendRequestValidator.normalise(RecipientType.PHONE, value).orElse(null),
                    "is required: the phone number to call", SendRequestValidator.PHONE_RULE));
        };
    }

    /** A quick reply's or button's {@code payload} as {@code read} makes it text (null: breaks {@code rule}). */
    private static String payload(ObjectFields owner, Function<JsonNode, String> read, String absent, String rule) {
        JsonNode value = owner.get("payload");
        String text = value == null ? null : read.apply(value);
        if (text == null) {
            owner.violation("payload", value == null ? absent : rule);
            return null;
        }
        return owner.checkLength(owner.path("payload"), text, 1, PAYLOAD_MAX) ? text : null;
    }

    /** A field holding JSON null means "absent", at every depth of a payload too. */
    private static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ((ObjectNode) node).removeIf(JsonNode::isNull);
        }
        node.forEach(TemplateRules::withoutNulls);
        return node;
    }

    private static UrlTarget optionalDefaultAction(ObjectFields element) {
        ObjectFields action = element.optionalObject("default_action");
        if (action == null) {
            return null;
        }
        JsonNode type = action.get("type");
        if (type == null) {
            action.violation("type", "is required; must be web_url");
        } else if (!type.isTextual() || !"web_url".equals(type.textValue())) {
            action.violation("type", "must be web_url");
        }
        if (action.has("title")) {
            action.violation("title", "is not allowed in default_action");
        }
        return urlTarget(action);
    }

    /** The fields shared by a web_url button and a default_action. */
    private static UrlTarget urlTarget(ObjectFields target) {
        return new UrlTarget(target.required("url", target::optionalHttpUrl),
                target.optionalChoice("webview_height_ratio", WEBVIEW_HEIGHT_RATIOS),
                target.optionalBoolean("messenger_extensions"), target.optionalHttpUrl("fallback_url"));
    }
}
