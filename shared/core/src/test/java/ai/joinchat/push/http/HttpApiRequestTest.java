package ai.joinchat.push.http;

import ai.joinchat.push.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpApiRequestTest {

    @Test
    void decodesBase64BodiesToTheExactBytes() {
        byte[] raw = {(byte) 0xff, 0x00, '{', '}'};
        String event = "{\"rawPath\":\"/api/send_message\",\"requestContext\":{\"http\":{\"method\":\"post\"}},"
                + "\"headers\":{\"X-JoinChat-Signature\":\"abc\"},\"isBase64Encoded\":true,\"body\":\""
                + Base64.getEncoder().encodeToString(raw) + "\"}";
        HttpApiRequest request = HttpApiRequest.fromEvent(Json.parse(event));
        assertArrayEquals(raw, request.body());
        assertEquals("POST", request.method());
        assertEquals("abc", request.header("x-joinchat-signature").orElseThrow(), "header names are case-insensitive");
    }

    @Test
    void plainBodiesKeepTheirUtf8Bytes() {
        String body = "{\"text\":\"\u4f60\u597d \\u4f60\\/\"}";
        String event = Json.write(Json.object().put("rawPath", "/x").put("body", body));
        HttpApiRequest request = HttpApiRequest.fromEvent(Json.parse(event));
        assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), request.body());
    }

    @Test
    void parsesTheRawQueryStringWithEncodedKeysAndRepeats() {
        String event = "{\"rawPath\":\"/webhook\",\"rawQueryString\":\"hub.mode=subscribe&hub.challenge=a%20b&x=1&x=2\","
                + "\"requestContext\":{\"http\":{\"method\":\"GET\"}}}";
        HttpApiRequest request = HttpApiRequest.fromEvent(Json.parse(event));
        assertEquals("subscribe", request.queryParameter("hub.mode").orElseThrow());
        assertEquals("a b", request.queryParameter("hub.challenge").orElseThrow());
        assertEquals(List.of("1", "2"), request.query().get("x"));
        assertTrue(request.body().length == 0);
    }

    @Test
    void errorResponsesFollowTheContractShape() {
        HttpApiResponse response = HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "bad",
                List.of(new FieldProblem("message.text", "is required")));
        assertEquals(400, response.statusCode());
        assertEquals("application/json", response.headers().get("content-type"));
        var error = Json.parse(response.body()).path("error");
        assertEquals("invalid_request", error.path("code").asText());
        assertEquals("message.text", error.path("details").get(0).path("field").asText());
        assertEquals("2", HttpApiResponse.error(ErrorCode.UNAVAILABLE, "x").headers().get("retry-after"));
    }
}
