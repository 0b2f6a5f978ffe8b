package ai.joinchat.push.store;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Bounds on what one webhook record stores, well under DynamoDB's 400 KB item limit: text is cut
 * at a character boundary, JSON over its bound left out (a cut JSON text is no JSON), either
 * flagged {@code <name>_truncated}.
 */
public final class StoredFields {

    /** Messenger's texts are at most 2,000 characters; 8 KB holds them in any script. */
    public static final int TEXT_MAX_BYTES = 8 * 1024;
    public static final int JSON_MAX_BYTES = 16 * 1024;
    public static final int VALUE_MAX_BYTES = 2 * 1024;

    private StoredFields() {
    }

    /** Puts {@code value} cut to {@code maxBytes} of UTF-8; nothing when null. */
    public static void text(Map<String, AttributeValue> item, String name, String value, int maxBytes) {
        if (value == null) {
            return;
        }
        String bounded = cut(value, maxBytes);
        item.put(name, AttributeValue.fromS(bounded));
        if (bounded.length() != value.length()) {
            item.put(name + "_truncated", AttributeValue.fromBool(true));
        }
    }

    /** Puts a JSON text when within {@link #JSON_MAX_BYTES}, else only the {@code _truncated} flag. */
    public static void json(Map<String, AttributeValue> item, String name, String json) {
        if (json == null) {
            return;
        }
        if (json.length() <= JSON_MAX_BYTES / 4 || json.getBytes(StandardCharsets.UTF_8).length <= JSON_MAX_BYTES) {
            item.put(name, AttributeValue.fromS(json));
        } else {
            item.put(name + "_truncated", AttributeValue.fromBool(true));
        }
    }

    /** The longest prefix of {@code value} whose UTF-8 form fits {@code maxBytes}, never splitting a character. */
    public static String cut(String value, int maxBytes) {
        if (value.length() <= maxBytes / 4) {
            return value;
        }
        int bytes = 0;
        int i = 0;
        while (i < value.length()) {
            int codePoint = value.codePointAt(i);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                return value.substring(0, i);
            }
            bytes += size;
            i += Character.charCount(codePoint);
        }
        return value;
    }
}
