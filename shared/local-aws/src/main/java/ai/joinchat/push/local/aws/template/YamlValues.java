package ai.joinchat.push.local.aws.template;

import java.util.List;
import java.util.Map;

/** Typed views of the plain values a parsed template is made of (maps, lists, scalars). */
final class YamlValues {

    private YamlValues() {
    }

    /** The value as a mapping; an absent value is an empty mapping. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalArgumentException(what + " must be a mapping, got: " + value);
    }

    /** The value as a sequence; an absent value is an empty sequence. */
    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw new IllegalArgumentException(what + " must be a sequence, got: " + value);
    }
}
