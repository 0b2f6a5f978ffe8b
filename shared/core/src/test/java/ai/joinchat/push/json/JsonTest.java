package ai.joinchat.push.json;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Contract section 3: trailing commas are accepted, and nothing else that is not strict JSON. */
class JsonTest {

    /** The seed's generic-template example as published (minus its one unbalanced brace). */
    static final String SEED_GENERIC_EXAMPLE = """
            {
                "page_id":12345,
                "recipient":{
                    "id":"123456"
                },
                "message":{
            		"template_type":"generic",
                    "elements":[
                       {
                        "title":"Welcome!",
                        "image_url":"https://petersfancybrownhats.com/company_image.png",
                        "subtitle":"We have the right hat for everyone.",
                        "default_action": {
                          "type": "web_url",
                          "url": "https://petersfancybrownhats.com/view?item=103",
                          "webview_height_ratio": "tall",
                        },
                        "buttons":[
                          {
                            "type":"web_url",
                            "url":"https://petersfancybrownhats.com",
                            "title":"View Website"
                          },{
                            "type":"postback",
                            "title":"Start Chatting",
                            "payload":"DEVELOPER_DEFINED_PAYLOAD"
                          }
                        ]
                      }
                    ]
                },
            	"tag":"ACCOUNT_UPDATE",
            	"delay": 3,
            }
            """;

    @Test
    void theSeedsExampleWithTrailingCommasParses() {
        JsonNode node = parse(SEED_GENERIC_EXAMPLE).orElseThrow();
        assertEquals(3, node.path("delay").asInt());
        assertEquals("tall", node.path("message").path("elements").path(0).path("default_action")
                .path("webview_height_ratio").asText());
        assertEquals(5, node.size(), "page_id, recipient, message, tag, delay: the trailing comma adds no field");
    }

    @Test
    void trailingCommasInArraysAddNoElement() {
        JsonNode node = parse("{\"a\":[1,2,],\"b\":[{\"c\":true,},],}").orElseThrow();
        assertEquals(2, node.path("a").size());
        assertEquals(1, node.path("b").size());
        assertTrue(node.path("b").path(0).path("c").asBoolean());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"a\":1 // comment\n}",
            "{\"a\":1 /* comment */}",
            "# comment\n{\"a\":1}",
            "{'a':1}",
            "{\"a\":'x'}",
            "{a:1}",
            "{\"a\":NaN}",
            "{\"a\":Infinity}",
            "{\"a\":-Infinity}",
            "{\"a\":01}",
            "{\"a\":+1}",
            "{\"a\":.5}",
            "{\"a\":[1,,2]}",
            "{\"a\":[,]}",
            "{\"a\":[,1]}",
            "{,}",
            "{\"a\":1,,}",
            "{\"a\":\"line\nbreak\"}",
            "{\"a\":\"\\x41\"}",
            "{\"a\":1}{\"b\":2}",
            "{\"a\":1} x",
            "{\"a\":1,",
    })
    void everythingElseThatIsNotJsonIsRefused(String text) {
        assertTrue(parse(text).isEmpty(), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"a\":1,\"a\":2}",
            "{\"a\":1,\"b\":2,\"a\":1,}",
            "{\"page_id\":\"1\",\"message\":{\"text\":\"x\",\"text\":\"y\"}}",
            "{\"bindings\":[{\"psid\":\"1\",\"uuid\":\"a\",\"uuid\":\"b\"}]}",
    })
    void aRequestWithARepeatedKeyIsRefusedAtAnyDepth(String text) {
        assertTrue(parse(text).isPresent(), "the lenient reader (webhook, queue) still reads it: " + text);
        assertTrue(Json.parseRequest(text.getBytes(StandardCharsets.UTF_8)).isEmpty(), text);
    }

    @Test
    void aRequestKeepsTheTrailingCommaLeniencyAndTheSameKeyInSiblingObjects() {
        JsonNode node = Json.parseRequest(SEED_GENERIC_EXAMPLE.getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertEquals(3, node.path("delay").asInt());
        assertTrue(Json.parseRequest("{\"a\":{\"x\":1},\"b\":{\"x\":2},\"c\":[{\"x\":1},{\"x\":2},],}"
                .getBytes(StandardCharsets.UTF_8)).isPresent());
        assertTrue(Json.parseRequest("{\"a\":1 // comment\n}".getBytes(StandardCharsets.UTF_8)).isEmpty());
    }

    private static Optional<JsonNode> parse(String text) {
        return Json.parse(text.getBytes(StandardCharsets.UTF_8));
    }
}
