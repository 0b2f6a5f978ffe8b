package ai.joinchat.push.worker.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * Maps a validated JoinChat {@code message} object to the Messenger Send API {@code message}
 * object, and wraps it in a Send API request body.
 *
 * <p>The input has already been checked and normalised by the request validator (postback object
 * payloads are strings, phone_number payloads are {@code +digits}). This class copies only the
 * fields Messenger knows, omits absent optional fields (never writes {@code null}) and keeps the
 * JSON type of numbers. A {@code list} message is delivered as a {@code generic} template, since
 * Messenger removed the list template in 2019; list-level {@code buttons} and
 * {@code top_element_style} are dropped.
 *
 * <p>Stateless and thread-safe.
 */
public final class GraphMessageMapper {

    private final JsonNodeFactory nodes;

    public GraphMessageMapper() {
        this(JsonNodeFactory.instance);
    }

    public GraphMessageMapper(JsonNodeFactory nodes) {
        this.nodes = Objects.requireNonNull(nodes, "nodes");
    }

    /**
     * @param templateType one of {@code text}, {@code button}, {@code generic}, {@code list},
     *                     {@code receipt}; when {@code null}, {@code message.template_type} is used
     * @param message      the validated JoinChat {@code message} object
     * @param metadata     the value for Messenger's {@code metadata} (our message id); omitted when null
     * @return a new Send API {@code message} object
     * @throws IllegalArgumentException for an unknown template, button or quick reply type
     */
    public ObjectNode toSendApiMessage(String templateType, JsonNode message, String metadata) {
        Objects.requireNonNull(message, "message");
        if (!message.isObject()) {
            throw new IllegalArgumentException("message must be a JSON object");
        }
        String type = templateType != null ? templateType : message.path("template_type").asText("");
        ObjectNode out = nodes.objectNode();
        switch (type) {
            case "text" -> copy(message, out, "text");
            case "button" -> out.set("attachment", templateAttachment(buttonPayload(message)));
            case "generic" -> out.set("attachment", templateAttachment(genericPayload(message, true)));
            case "list" -> out.set("attachment", templateAttachment(genericPayload(message, false)));
            case "receipt" -> out.set("attachment", templateAttachment(receiptPayload(message)));
            default -> throw new IllegalArgumentException("unsupported template_type: " + abbreviate(type));
        }
        JsonNode quickReplies = message.get("quick_replies");
        if (quickReplies != null && quickReplies.isArray() && !quickReplies.isEmpty()) {
            ArrayNode mapped = out.putArray("quick_replies");
            for (JsonNode quickReply : quickReplies) {
                mapped.add(quickReply(quickReply));
            }
        }
        if (metadata != null) {
            out.put("metadata", metadata);
        }
        return out;
    }

    /**
     * Builds {@code {"recipient", "messaging_type", "tag"?, "message"}}.
     *
     * @param recipient      {@code {"id": PSID}} or {@code {"phone_number": "+..."}}, built by the caller
     * @param messagingType  e.g. {@code UPDATE}, {@code RESPONSE} or {@code MESSAGE_TAG}
     * @param tagOrNull      the message tag, omitted when null or blank
     * @param sendApiMessage the result of {@link #toSendApiMessage}
     */
    public ObjectNode toSendApiBody(ObjectNode recipient, String messagingType, String tagOrNull,
                                    ObjectNode sendApiMessage) {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(sendApiMessage, "sendApiMessage");
        if (messagingType == null || messagingType.isBlank()) {
            throw new IllegalArgumentException("messagingType is required");
        }
        ObjectNode body = nodes.objectNode();
        body.set("recipient", recipient.deepCopy());
        body.put("messaging_type", messagingType);
        if (tagOrNull != null && !tagOrNull.isBlank()) {
            body.put("tag", tagOrNull);
        }
        body.set("message", sendApiMessage.deepCopy());
        return body;
    }

    // ---- templates -------------------------------------------------------------------------

    private ObjectNode templateAttachment(ObjectNode payload) {
        ObjectNode attachment = nodes.objectNode();
        attachment.put("type", "template");
        attachment.set("payload", payload);
        return attachment;
    }

    private ObjectNode buttonPayload(JsonNode message) {
        ObjectNode payload = nodes.objectNode();
        payload.put("template_type", "button");
        copy(message, payload, "text");
        setButtons(message, payload);
        copyBoolean(message, payload, "sharable");
        return payload;
    }

    /**
     * A generic payload; also used for {@code list} messages, in which case the list-only fields
     * ({@code top_element_style}, list-level {@code buttons}) and the generic-only fields are not
     * copied.
     */
    private ObjectNode genericPayload(JsonNode message, boolean genericOptions) {
        ObjectNode payload = nodes.objectNode();
        payload.put("template_type", "generic");
        ArrayNode elements = payload.putArray("elements");
        for (JsonNode element : message.path("elements")) {
            elements.add(genericElement(element));
        }
        if (genericOptions) {
            copy(message, payload, "image_aspect_ratio");
        }
        copyBoolean(message, payload, "sharable");
        return payload;
    }

    private ObjectNode genericElement(JsonNode element) {
        ObjectNode out = nodes.objectNode();
        copy(element, out, "title", "subtitle", "image_url");
        JsonNode defaultAction = element.get("default_action");
        if (defaultAction != null && defaultAction.isObject()) {
            out.set("default_action", defaultAction(defaultAction));
        }
        setButtons(element, out);
        return out;
    }

    private ObjectNode receiptPayload(JsonNode message) {
        ObjectNode payload = nodes.objectNode();
        payload.put("template_type", "receipt");
        copy(message, payload, "recipient_name", "order_number", "currency", "payment_method", "order_url");
        JsonNode timestamp = message.get("timestamp");
        if (present(timestamp)) {
            payload.put("timestamp", asPlainText(timestamp));
        }
        copyBoolean(message, payload, "sharable");
        JsonNode address = message.get("address");
        if (address != null && address.isObject()) {
            copy(address, payload.putObject("address"),
                    "street_1", "street_2", "city", "postal_code", "state", "country");
        }
        copy(message.path("summary"), payload.putObject("summary"),
                "subtotal", "shipping_cost", "total_tax", "total_cost");
        copyObjects(message, payload, "adjustments", "name", "amount");
        copyObjects(message, payload, "elements", "title", "subtitle", "quantity", "price", "currency", "image_url");
        return payload;
    }

    // ---- buttons, default actions, quick replies ------------------------------------------

    private void setButtons(JsonNode from, ObjectNode to) {
        JsonNode buttons = from.get("buttons");
        if (buttons == null || !buttons.isArray() || buttons.isEmpty()) {
            return;
        }
        ArrayNode out = to.putArray("buttons");
        for (JsonNode button : buttons) {
            out.add(button(button));
        }
    }

    private ObjectNode button(JsonNode button) {
        String type = button.path("type").asText("");
        ObjectNode out = nodes.objectNode();
        out.put("type", type);
        switch (type) {
            case "web_url" -> {
                copy(button, out, "url", "title");
                copyWebviewOptions(button, out);
            }
            case "postback", "phone_number" -> {
                copy(button, out, "title");
                JsonNode payload = button.get("payload");
                if (present(payload)) {
                    // Normally already a string (the validator serialises object payloads).
                    out.put("payload", payload.isTextual() ? payload.textValue() : payload.toString());
                }
            }
            default -> throw new IllegalArgumentException("unsupported button type: " + abbreviate(type));
        }
        return out;
    }

    private ObjectNode defaultAction(JsonNode action) {
        ObjectNode out = nodes.objectNode();
        out.put("type", "web_url");
        copy(action, out, "url");
        copyWebviewOptions(action, out);
        return out;
    }

    private void copyWebviewOptions(JsonNode from, ObjectNode to) {
        copy(from, to, "webview_height_ratio", "messenger_extensions", "fallback_url");
    }

    private ObjectNode quickReply(JsonNode quickReply) {
        String contentType = quickReply.path("content_type").asText("");
        ObjectNode out = nodes.objectNode();
        out.put("content_type", contentType);
        switch (contentType) {
            case "text" -> {
                copy(quickReply, out, "title", "payload", "image_url");
            }
            case "user_phone_number", "user_email" -> {
                // Messenger fills these in itself: only the content type is sent.
            }
            default -> throw new IllegalArgumentException(
                    "unsupported quick reply content_type: " + abbreviate(contentType));
        }
        return out;
    }

    // ---- small tree helpers ------------------------------------------------------------------

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    /** Copies each {@code from[field]} to {@code to[field]} unchanged (keeping its JSON type) when present. */
    private static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String field : fields) {
            JsonNode value = from.get(field);
            if (present(value)) {
                to.set(field, value.deepCopy());
            }
        }
    }

    /** Copies a non-empty array of objects {@code from[array]}, each object reduced to {@code fields}. */
    private static void copyObjects(JsonNode from, ObjectNode to, String array, String... fields) {
        JsonNode items = from.get(array);
        if (items != null && items.isArray() && !items.isEmpty()) {
            ArrayNode out = to.putArray(array);
            for (JsonNode item : items) {
                copy(item, out.addObject(), fields);
            }
        }
    }

    private static void copyBoolean(JsonNode from, ObjectNode to, String field) {
        JsonNode value = from.get(field);
        if (value != null && value.isBoolean()) {
            to.set(field, value);
        }
    }

    /** Text of a scalar without exponent notation: {@code 1428444852} becomes {@code "1428444852"}. */
    private static String asPlainText(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        if (value.isNumber()) {
            return value.decimalValue().stripTrailingZeros().toPlainString();
        }
        return value.asText();
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
