package ai.joinchat.push.send.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * {@code message}: a required object whose {@code template_type} selects the rules, plus the
 * optional {@code quick_replies} allowed on every type. Works on a deep copy of the message,
 * which it normalises (JSON null fields dropped, payloads and currencies normalised).
 */
final class MessageRules {

    static final List<String> TEMPLATE_TYPES = List.of("text", "button", "generic", "list", "receipt");

    private final TemplateRules templates;
    private final ReceiptRules receipts;
    private final QuickReplyRules quickReplies;

    MessageRules(TemplateRules templates, ReceiptRules receipts, QuickReplyRules quickReplies) {
        this.templates = templates;
        this.receipts = receipts;
        this.quickReplies = quickReplies;
    }

    /** The normalised copy of the message when it is an object (valid or not). */
    Optional<ObjectNode> validate(ObjectFields body) {
        Optional<JsonNode> node = body.get("message");
        if (node.isEmpty()) {
            body.violation("message", "is required: an object with a template_type");
            return Optional.empty();
        }
        if (!node.get().isObject()) {
            body.violation("message", "must be an object with a template_type");
            return Optional.empty();
        }
        ObjectNode copy = node.get().deepCopy();
        dropNullFields(copy);
        ObjectFields message = new ObjectFields(copy, body.path("message"), body.findings());
        message.requiredChoice("template_type", TEMPLATE_TYPES).ifPresent(type -> {
            switch (type) {
                case "text":
                    templates.text(message);
                    break;
                case "button":
                    templates.button(message);
                    break;
                case "generic":
                    templates.generic(message);
                    break;
                case "list":
                    templates.list(message);
                    break;
                case "receipt":
                    receipts.receipt(message);
                    break;
                default:
                    throw new IllegalStateException("unhandled template_type " + type);
            }
        });
        quickReplies.validate(message);
        return Optional.of(copy);
    }

    /** A field holding JSON null means "absent": remove such fields at every depth. */
    private static void dropNullFields(JsonNode node) {
        if (node.isObject()) {
            ((ObjectNode) node).removeIf(JsonNode::isNull);
        }
        for (JsonNode child : node) {
            dropNullFields(child);
        }
    }
}
