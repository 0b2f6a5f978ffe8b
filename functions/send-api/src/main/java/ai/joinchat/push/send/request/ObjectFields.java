package ai.joinchat.push.send.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fields of one JSON object under validation, at a known path. Each check reports its
 * problem to the shared {@link Findings} and returns the value when it is usable.
 * A field holding JSON {@code null} counts as absent.
 */
final class ObjectFields {

    private final ObjectNode node;
    private final FieldPath path;
    private final Findings findings;

    ObjectFields(ObjectNode node, FieldPath path, Findings findings) {
        this.node = node;
        this.path = path;
        this.findings = findings;
    }

    ObjectNode node() {
        return node;
    }

    FieldPath path() {
        return path;
    }

    FieldPath path(String name) {
        return path.child(name);
    }

    Findings findings() {
        return findings;
    }

    void violation(String name, String reason) {
        findings.violation(path(name), reason);
    }

    /** The value of a field, empty when absent or JSON null. */
    Optional<JsonNode> get(String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    boolean has(String name) {
        return get(name).isPresent();
    }

    /** A required string of {@code min}-{@code max} code points ({@code max} 0 means unlimited). */
    Optional<String> requiredText(String name, int min, int max) {
        Optional<JsonNode> value = get(name);
        if (value.isEmpty()) {
            violation(name, "is required");
            return Optional.empty();
        }
        return text(name, value.get(), min, max);
    }

    /** An optional string of at most {@code max} code points ({@code max} 0 means unlimited). */
    Optional<String> optionalText(String name, int max) {
        return get(name).flatMap(value -> text(name, value, 0, max));
    }

    private Optional<String> text(String name, JsonNode value, int min, int max) {
        if (!value.isTextual()) {
            violation(name, "must be a string");
            return Optional.empty();
        }
        String text = value.textValue();
        return checkLength(path(name), text, min, max) ? Optional.of(text) : Optional.empty();
    }

    /** Checks a length in Unicode code points; reports and answers false when out of range. */
    boolean checkLength(FieldPath at, String text, int min, int max) {
        int length = codePoints(text);
        if (length < min) {
            findings.violation(at, length == 0 ? "must not be empty" : rangeReason(min, max, length));
            return false;
        }
        if (max > 0 && length > max) {
            findings.violation(at, rangeReason(min, max, length));
            return false;
        }
        return true;
    }

    private static String rangeReason(int min, int max, int length) {
        String range = min > 0 ? min + "-" + max : "at most " + max;
        return "must be " + range + " characters (got " + length + ")";
    }

    static int codePoints(String text) {
        return text.codePointCount(0, text.length());
    }

    Optional<String> requiredHttpUrl(String name) {
        Optional<JsonNode> value = get(name);
        if (value.isEmpty()) {
            violation(name, "is required");
            return Optional.empty();
        }
        return httpUrl(name, value.get());
    }

    Optional<String> optionalHttpUrl(String name) {
        return get(name).flatMap(value -> httpUrl(name, value));
    }

    private Optional<String> httpUrl(String name, JsonNode value) {
        if (!value.isTextual() || !HttpUrl.isAbsoluteHttp(value.textValue())) {
            violation(name, HttpUrl.RULE);
            return Optional.empty();
        }
        return Optional.of(value.textValue());
    }

    void optionalBoolean(String name) {
        get(name).filter(value -> !value.isBoolean())
                .ifPresent(value -> violation(name, "must be a boolean"));
    }

    /** A required string that must be one of {@code allowed}. */
    Optional<String> requiredChoice(String name, List<String> allowed) {
        if (!has(name)) {
            violation(name, "is required; one of " + String.join(", ", allowed));
            return Optional.empty();
        }
        return optionalChoice(name, allowed);
    }

    Optional<String> optionalChoice(String name, List<String> allowed) {
        Optional<JsonNode> value = get(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().isTextual() && allowed.contains(value.get().textValue())) {
            return Optional.of(value.get().textValue());
        }
        String got = value.get().isTextual() ? " (got '" + value.get().textValue() + "')" : "";
        violation(name, "must be one of " + String.join(", ", allowed) + got);
        return Optional.empty();
    }

    void requiredNumber(String name) {
        if (!has(name)) {
            violation(name, "is required");
        } else {
            optionalNumber(name);
        }
    }

    void optionalNumber(String name) {
        get(name).filter(value -> !value.isNumber())
                .ifPresent(value -> violation(name, "must be a number"));
    }

    void forbidden(String name, String reason) {
        if (has(name)) {
            violation(name, reason);
        }
    }

    Optional<ObjectFields> requiredObject(String name) {
        if (!has(name)) {
            violation(name, "is required");
            return Optional.empty();
        }
        return optionalObject(name);
    }

    Optional<ObjectFields> optionalObject(String name) {
        Optional<JsonNode> value = get(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!value.get().isObject()) {
            violation(name, "must be an object");
            return Optional.empty();
        }
        return Optional.of(new ObjectFields((ObjectNode) value.get(), path(name), findings));
    }

    /**
     * A required array of {@code min}-{@code max} items; {@code noun} names the items in the
     * reason ("buttons", "elements"). The item objects are returned by {@link #objectsIn}.
     */
    Optional<ArrayNode> requiredArray(String name, int min, int max, String noun) {
        if (!has(name)) {
            violation(name, "is required: " + min + "-" + max + " " + noun);
            return Optional.empty();
        }
        return array(name, min, max, noun);
    }

    /** An optional array of at most {@code max} items ({@code max} 0 means unlimited). */
    Optional<ArrayNode> optionalArray(String name, int max, String noun) {
        return has(name) ? array(name, 0, max, noun) : Optional.empty();
    }

    private Optional<ArrayNode> array(String name, int min, int max, String noun) {
        JsonNode value = node.get(name);
        if (!value.isArray()) {
            violation(name, "must be an array of " + noun);
            return Optional.empty();
        }
        int size = value.size();
        if (size < min || (max > 0 && size > max)) {
            String range = min > 0 ? min + "-" + max : "at most " + max;
            violation(name, "must contain " + range + " " + noun + " (got " + size + ")");
        }
        return Optional.of((ArrayNode) value);
    }

    /** The object items of an array field; each item that is not an object is reported. */
    List<ObjectFields> objectsIn(String name, ArrayNode array) {
        List<ObjectFields> items = new ArrayList<>();
        FieldPath arrayPath = path(name);
        for (int i = 0; i < array.size(); i++) {
            JsonNode item = array.get(i);
            if (item.isObject()) {
                items.add(new ObjectFields((ObjectNode) item, arrayPath.index(i), findings));
            } else {
                findings.violation(arrayPath.index(i), "must be an object");
            }
        }
        return items;
    }
}
