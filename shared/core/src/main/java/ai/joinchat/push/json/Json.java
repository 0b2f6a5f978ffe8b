package ai.joinchat.push.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * The one Jackson mapper of the process (tree model only). It reads strict JSON plus the one
 * leniency the contract grants (section 3): a trailing comma, as in the seed's own examples.
 * {@link #parseRequest} also refuses a repeated key: signed bytes that mean different things to
 * different parsers are refused rather than guessed at.
 */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64)
                .maxStringLength(1_000_000)
                .build());
    }

    private static final ObjectReader REQUEST_READER = MAPPER.reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses bytes into a tree; empty when they are not JSON at all. */
    public static Optional<JsonNode> parse(byte[] bytes) {
        return read(MAPPER.reader(), bytes);
    }

    /** As {@link #parse(byte[])}, and empty also when an object repeats a key, at any depth (signed bodies). */
    public static Optional<JsonNode> parseRequest(byte[] bytes) {
        return read(REQUEST_READER, bytes);
    }

    private static Optional<JsonNode> read(ObjectReader reader, byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(reader.readTree(bytes)).filter(n -> !n.isMissingNode());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] writeBytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lambda's partial batch response (SQS and stream sources): the records it is to offer again. */
    public static byte[] batchResponse(List<String> failedIds) {
        ObjectNode response = object();
        ArrayNode items = response.putArray("batchItemFailures");
        failedIds.forEach(id -> items.addObject().put("itemIdentifier", id));
        return writeBytes(response);
    }

    /** Text of a field when it is a JSON string, else null. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
