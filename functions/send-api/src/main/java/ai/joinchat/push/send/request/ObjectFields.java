package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The fields of one JSON object under validation, at a known path. Each read adds its problem to
 * {@code violations} and returns the value, or {@code null} when the field is absent or was
 * reported: a message built from a body with violations is never used. A field holding JSON
 * {@code null} counts as absent. Every object of one request shares its two lists (not
 * thread-safe, one request at a time).
 */
record ObjectFields(JsonNode node, String path, List<FieldProblem> violations, List<String> warnings) {

    /** The path of a field of this object, e.g. {@code message.elements[0].title}. */
    String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    void violation(String name, String reason) {
        violations.add(new FieldProblem(path(name), reason));
    }

    JsonNode get(String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    boolean has(String name) {
        return get(name) != null;
    }

    <T> T required(String name, Function<String, T> read) {
        return present(name, "is required") == null ? null : read.apply(name);
    }

    /** A required, non-empty string of at most {@code max} code points ({@code max} 0 means unlimited). */
    String requiredText(String name, int max) {
        return present(name, "is required") == null ? null : text(name, 1, max);
    }

    /** An optional string of at most {@code max} code points ({@code max} 0 means unlimited). */
    String optionalText(String name, int max) {
        return text(name, 0, max);
    }

    private String text(String name, int min, int max) {
        JsonNode value = typed(name, JsonNode::isTextual, "must be a string");
        return value == null || !checkLength(path(name), value.textValue(), min, max) ? null : value.textValue();
    }

    /** Checks a length in Unicode code points; reports and answers false when out of range. */
    boolean checkLength(String at, String text, int min, int max) {
        int length = text.codePointCount(0, text.length());
        if (length < min || (max > 0 && length > max)) {
            violations.add(new FieldProblem(at, length == 0 ? "must not be empty" : "must be " + range(min, max) + " characters (got "
                    + length + ")"));
            return false;
        }
        return true;
    }

    String optionalHttpUrl(String name) {
        JsonNode value = typed(name, url -> url.isTextual() && isAbsoluteHttp(url.textValue()),
                "must be an absolute http(s) URL");
        return value == null ? null : value.textValue();
    }

    /** Absolute, {@code http} or {@code https}, with a host: the URLs Messenger opens or fetches. */
    private static boolean isAbsoluteHttp(String candidate) {
        if (candidate.isEmpty() || candidate.codePoints().anyMatch(Character::isWhitespace)) {
            return false;
        }
        try {
            URI uri = new URI(candidate);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String authority = uri.getRawAuthority();
            return (scheme.equals("http") || scheme.equals("https")) && authority != null && !authority.isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    Boolean optionalBoolean(String name) {
        JsonNode value = typed(name, JsonNode::isBoolean, "must be a boolean");
        return value == null ? null : value.booleanValue();
    }

    String requiredChoice(String name, List<String> allowed) {
        return present(name, "is required; one of " + String.join(", ", allowed)) == null ? null
                : optionalChoice(name, allowed);
    }

    String optionalChoice(String name, List<String> allowed) {
        JsonNode value = get(name);
        if (value == null || (value.isTextual() && allowed.contains(value.textValue()))) {
            return value == null ? null : value.textValue();
        }
        String got = value.isTextual() ? " (got '" + value.textValue() + "')" : "";
        violation(name, "must be one of " + String.join(", ", allowed) + got);
        return null;
    }

    /** A JSON number, as the number it was (an integer stays an integer). */
    Number optionalNumber(String name) {
        JsonNode value = typed(name, JsonNode::isNumber, "must be a number");
        return value == null ? null : value.numberValue();
    }

    ObjectFields optionalObject(String name) {
        JsonNode value = typed(name, JsonNode::isObject, "must be an object");
        return value == null ? null : new ObjectFields(value, path(name), violations, warnings);
    }

    /** A required array of {@code min}-{@code max} objects read by {@code item}; {@code noun} names them in reasons. */
    <T> List<T> requiredArray(String name, int min, int max, String noun, Function<ObjectFields, T> item) {
        return present(name, "is required: " + min + "-" + max + " " + noun) == null ? List.of()
                : array(name, min, max, noun, item);
    }

    /** An optional array of at most {@code max} objects ({@code max} 0 means unlimited); none when absent. */
    <T> List<T> optionalArray(String name, int max, String noun, Function<ObjectFields, T> item) {
        return has(name) ? array(name, 0, max, noun, item) : List.of();
    }

    /** The items read from an array field: first every item that is not an object is reported, then the rest read. */
    private <T> List<T> array(String name, int min, int max, String noun, Function<ObjectFields, T> item) {
        JsonNode array = node.get(name);
        if (!array.isArray()) {
            violation(name, "must be an array of " + noun);
            return List.of();
        }
        if (array.size() < min || (max > 0 && array.size() > max)) {
            violation(name, "must contain " + range(min, max) + " " + noun + " (got " + array.size() + ")");
        }
        List<ObjectFields> objects = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (array.get(i).isObject()) {
                objects.add(new ObjectFields(array.get(i), path(name) + "[" + i + "]", violations, warnings));
            } else {
                violations.add(new FieldProblem(path(name) + "[" + i + "]", "must be an object"));
            }
        }
        return objects.stream().map(item).filter(Objects::nonNull).toList();
    }

    /** The value of a field when it is {@code kind}; null when absent, or reported as {@code rule}. */
    private JsonNode typed(String name, Predicate<JsonNode> kind, String rule) {
        JsonNode value = get(name);
        if (value != null && !kind.test(value)) {
            violation(name, rule);
            return null;
        }
        return value;
    }

    private static String range(int min, int max) {
        return min > 0 ? min + "-" + max : "at most " + max;
    }

    private JsonNode present(String name, String reason) {
        JsonNode value = get(name);
        if (value == null) {
            violation(name, reason);
        }
        return value;
    }
}
