package ai.joinchat.push.send.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FacebookIdTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode node(String json) throws Exception {
        return JSON.readTree(json);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"12345\"                          | 12345",
        "12345                              | 12345",
        "0                                  | 0",
        "\"00123\"                          | 00123",
        "123456789012345678901234567890     | 123456789012345678901234567890",
        "\"12345678901234567890123456789012\" | 12345678901234567890123456789012",
    })
    void acceptsDigitsAsStringOrInteger(String json, String expected) throws Exception {
        assertEquals(Optional.of(expected), SendRequestValidator.facebookId(node(json)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "\"-1\"", "1.5", "1.0", "1e3", "\"\"", "\"12a\"", "\" 123\"", "\"+123\"", "true",
            "null", "{}", "[]", "[123]", "123456789012345678901234567890123", "\"123456789012345678901234567890123\""})
    void rejectsEverythingElse(String json) throws Exception {
        assertTrue(SendRequestValidator.facebookId(node(json)).isEmpty(), () -> "accepted " + json);
    }

    @Test
    void rejectsAbsentNode() {
        assertTrue(SendRequestValidator.facebookId(null).isEmpty());
    }
}
