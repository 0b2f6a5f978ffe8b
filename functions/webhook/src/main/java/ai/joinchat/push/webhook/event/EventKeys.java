package ai.joinchat.push.webhook.event;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.Sha256;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic record keys. An event that carries Facebook's message id is keyed by it
 * ({@code echo#<mid>}); any other is keyed by the SHA-256 of the fields that identify it,
 * written as a JSON array so that no two different field lists share an encoding.
 */
final class EventKeys {

    private EventKeys() {
    }

    static String byMid(EventKind kind, String mid) {
        return kind.wireName() + "#" + mid;
    }

    /** {@code <kind>#<lower-case hex SHA-256 of the JSON array of fields>}; nulls are kept as JSON null. */
    static String hashed(EventKind kind, Object... fields) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (Object field : fields) {
            if (field == null) {
                array.addNull();
            } else if (field instanceof Long number) {
                array.add(number);
            } else if (field instanceof Boolean flag) {
                array.add(flag);
            } else if (field instanceof Iterable<?> values) {
                ArrayNode nested = array.addArray();
                values.forEach(v -> nested.add(String.valueOf(v)));
            } else {
                array.add(field.toString());
            }
        }
        return kind.wireName() + "#" + Sha256.hex(Json.write(array).getBytes(StandardCharsets.UTF_8));
    }
}
