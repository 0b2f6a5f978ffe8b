package ai.joinchat.push.local.lambda;

import ai.joinchat.push.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventFilterTest {

    private static final String RECORD = """
            {"eventName": "MODIFY", "size": 12, "tags": ["a", "b"],
             "dynamodb": {"NewImage": {"status": {"S": "delivered"}, "kind": {"S": "Message"}}}}""";

    private static boolean matches(String... patterns) {
        return new EventFilter(List.of(patterns)).matches(Json.parse(RECORD));
    }

    @Test
    void noPatternMatchesEverything() {
        assertTrue(matches());
    }

    @Test
    void everyFieldOfAPatternMustMatchAndAnyPatternMay() {
        assertTrue(matches("{\"eventName\": [\"INSERT\", \"MODIFY\"], \"dynamodb\": {\"NewImage\": {\"status\": {\"S\": [\"delivered\"]}}}}"));
        assertFalse(matches("{\"eventName\": [\"MODIFY\"], \"dynamodb\": {\"NewImage\": {\"status\": {\"S\": [\"read\"]}}}}"));
        assertTrue(matches("{\"eventName\": [\"REMOVE\"]}", "{\"eventName\": [\"MODIFY\"]}"));
        assertFalse(matches("{\"eventName\": [\"REMOVE\"]}", "{\"missing\": [\"x\"]}"));
    }

    @Test
    void operators() {
        assertTrue(matches("{\"eventName\": [{\"prefix\": \"MOD\"}]}"));
        assertTrue(matches("{\"eventName\": [{\"suffix\": \"IFY\"}]}"));
        assertTrue(matches("{\"dynamodb\": {\"NewImage\": {\"kind\": {\"S\": [{\"equals-ignore-case\": \"message\"}]}}}}"));
        assertTrue(matches("{\"eventName\": [{\"anything-but\": [\"INSERT\", \"REMOVE\"]}]}"));
        assertFalse(matches("{\"eventName\": [{\"anything-but\": \"MODIFY\"}]}"));
        assertFalse(matches("{\"eventName\": [{\"anything-but\": {\"prefix\": \"MO\"}}]}"));
        assertTrue(matches("{\"size\": [{\"numeric\": [\">\", 10, \"<=\", 12]}]}"));
        assertFalse(matches("{\"size\": [{\"numeric\": [\"<\", 12]}]}"));
        assertTrue(matches("{\"size\": [12.0]}"), "numbers compare by value");
        assertTrue(matches("{\"size\": [{\"exists\": true}], \"gone\": [{\"exists\": false}]}"));
        assertFalse(matches("{\"size\": [{\"exists\": false}]}"));
        assertTrue(matches("{\"tags\": [\"b\"]}"), "an array value matches when an element does");
        assertTrue(matches("{\"absent\": {\"deeper\": [{\"exists\": false}]}}"));
    }

    @Test
    void unknownOperatorsAndMalformedPatternsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> matches("{\"eventName\": [{\"wildcard\": \"M*\"}]}"));
        assertThrows(IllegalArgumentException.class, () -> matches("{\"eventName\": \"MODIFY\"}"));
        assertThrows(IllegalArgumentException.class, () -> matches("[\"MODIFY\"]"));
    }
}
