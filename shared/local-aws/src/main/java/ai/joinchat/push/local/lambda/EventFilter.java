package ai.joinchat.push.local.lambda;

import ai.joinchat.push.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Lambda event filtering ({@code FilterCriteria}): a record is delivered when any pattern matches
 * it, and every record when there is none. A pattern is a JSON object whose fields must all match
 * the record's field of the same name: an object pattern matches a nested object, an array lists
 * the alternatives for a value (any may match). An alternative is an exact value (string, number,
 * boolean or null), or one of {@code {"prefix": "text"}}, {@code {"suffix": "text"}},
 * {@code {"equals-ignore-case": "text"}}, {@code {"exists": true|false}},
 * {@code {"anything-but": value | [values] | {"prefix": "text"}}} and
 * {@code {"numeric": [">", 0, "<=", 5]}}. When the record's value is an array, any element may
 * match. Other operators (and {@code $or}) are refused when the filter is made, as Lambda refuses
 * such a pattern when the mapping is created.
 */
final class EventFilter {

    private final List<JsonNode> patterns;

    EventFilter(List<String> patterns) {
        this.patterns = new ArrayList<>();
        for (String text : patterns) {
            JsonNode pattern = Json.parse(text);
            if (!pattern.isObject()) {
                throw new IllegalArgumentException("A filter pattern must be a JSON object: " + text);
            }
            check(pattern);
            this.patterns.add(pattern);
        }
    }

    boolean matches(JsonNode record) {
        return patterns.isEmpty() || patterns.stream().anyMatch(pattern -> matchesObject(pattern, record));
    }

    private static void check(JsonNode pattern) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = pattern.fields(); fields.hasNext(); ) {
            JsonNode value = fields.next().getValue();
            if (value.isObject()) {
                check(value);
            } else if (value.isArray()) {
                value.forEach(alternative -> {
                    if (alternative.isObject()) {
                        matchesOperator(alternative, null); // refuses an unknown operator
                    }
                });
            } else {
                throw new IllegalArgumentException("A filter pattern's values are objects or arrays, got: " + value);
            }
        }
    }

    private static boolean matchesObject(JsonNode pattern, JsonNode record) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = pattern.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = record == null ? null : record.get(field.getKey());
            // an absent object matches a pattern whose fields all say {"exists": false}
            boolean matched = field.getValue().isObject() ? (value == null || value.isObject())
                    && matchesObject(field.getValue(), value) : matchesAny(field.getValue(), value);
            if (!matched) {
                return false;
            }
        }
        return true;
    }

    /** Whether one of the alternatives matches the value (absent: null) or, for an array, one of its elements. */
    private static boolean matchesAny(JsonNode alternatives, JsonNode value) {
        for (JsonNode alternative : alternatives) {
            if (alternative.isObject() && alternative.has("exists")) {
                if (alternative.get("exists").asBoolean() == (value != null)) {
                    return true;
                }
            } else if (value != null && value.isArray()) {
                for (JsonNode element : value) {
                    if (matchesOne(alternative, element)) {
                        return true;
                    }
                }
            } else if (value != null && matchesOne(alternative, value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesOne(JsonNode alternative, JsonNode value) {
        return alternative.isObject() ? matchesOperator(alternative, value) : sameValue(alternative, value);
    }

    private static boolean sameValue(JsonNode expected, JsonNode value) {
        if (expected.isNumber() && value.isNumber()) {
            return expected.decimalValue().compareTo(value.decimalValue()) == 0;
        }
        return expected.equals(value);
    }

    /** With a null value, only checks the operator is known. */
    private static boolean matchesOperator(JsonNode operator, JsonNode value) {
        if (operator.size() != 1) {
            throw new IllegalArgumentException("A filter operator has one field, got: " + operator);
        }
        String name = operator.fieldNames().next();
        JsonNode argument = operator.get(name);
        boolean text = value != null && value.isTextual();
        return switch (name) {
            case "exists" -> argument.asBoolean() == (value != null);
            case "prefix" -> text && value.asText().startsWith(argument.asText());
            case "suffix" -> text && value.asText().endsWith(argument.asText());
            case "equals-ignore-case" -> text && value.asText().equalsIgnoreCase(argument.asText());
            case "anything-but" -> value != null && !(argument.isObject() ? matchesOperator(argument, value)
                    : argument.isArray() ? anyEqual(argument, value) : sameValue(argument, value));
            case "numeric" -> value != null && value.isNumber() && numeric(argument, value);
            default -> throw new IllegalArgumentException("Filter operator " + name + " is not supported locally");
        };
    }

    private static boolean anyEqual(JsonNode values, JsonNode value) {
        for (JsonNode candidate : values) {
            if (sameValue(candidate, value)) {
                return true;
            }
        }
        return false;
    }

    /** {@code [">", 0, "<=", 5]}: every comparison holds. */
    private static boolean numeric(JsonNode comparisons, JsonNode value) {
        if (!comparisons.isArray() || comparisons.size() % 2 != 0) {
            throw new IllegalArgumentException("numeric takes operator, number pairs, got: " + comparisons);
        }
        for (int i = 0; i < comparisons.size(); i += 2) {
            int order = value.decimalValue().compareTo(comparisons.get(i + 1).decimalValue());
            boolean holds = switch (comparisons.get(i).asText()) {
                case "=" -> order == 0;
                case "<" -> order < 0;
                case "<=" -> order <= 0;
                case ">" -> order > 0;
                case ">=" -> order >= 0;
                default -> throw new IllegalArgumentException("numeric operator " + comparisons.get(i) + " is unknown");
            };
            if (!holds) {
                return false;
            }
        }
        return true;
    }
}
