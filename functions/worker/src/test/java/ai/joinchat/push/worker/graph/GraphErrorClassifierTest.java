package ai.joinchat.push.worker.graph;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.stream.Stream;

import ai.joinchat.push.worker.graph.GraphError.Kind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class GraphErrorClassifierTest {

    private static final Kind THROTTLED = Kind.THROTTLED;

    private static GraphError graph(int status, Integer code, Integer subcode) {
        return new GraphError(status, code, subcode, "OAuthException", "m", "trace");
    }

    private static GraphError body(int status, String body) {
        return GraphError.fromResponse(status, body);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // HTTP level and transport
                arguments("500 without Graph error", graph(500, null, null), true),
                arguments("503 with code 2", graph(503, 2, null), true),
                arguments("502 with HTML body", body(502, "<html>Bad Gateway</html>"), true),
                arguments("500 with code 100", graph(500, 100, null), true),
                arguments("429 rate limited", graph(429, null, null), THROTTLED),
                arguments("transport timeout", GraphError.transportFailure(new HttpTimeoutException("x")), true),
                arguments("transport refused", GraphError.transportFailure(new ConnectException("x")), true),
                // transient Graph codes
                arguments("code 1 unknown", graph(400, 1, null), true),
                arguments("code 2 service", graph(400, 2, null), true),
                arguments("code 341 app limit", graph(400, 341, null), true),
                arguments("code 1200 temporary send", graph(400, 1200, null), true),
                // throttling: later, never never
                arguments("code 4 app rate limit", graph(400, 4, null), THROTTLED),
                arguments("code 17 user rate limit", graph(400, 17, null), THROTTLED),
                arguments("code 32 page request limit", graph(400, 32, null), THROTTLED),
                arguments("code 613 rate limit", graph(400, 613, null), THROTTLED),
                arguments("code 613 with another subcode", graph(400, 613, 1893016), THROTTLED),
                arguments("code 80001 page rate limit", graph(400, 80001, null), THROTTLED),
                arguments("code 80006 Messenger rate limit", graph(400, 80006, 2446079), THROTTLED),
                arguments("429 with code 613", graph(429, 613, null), THROTTLED),
                arguments("code 613 parsed from body", body(400,
                        "{\"error\":{\"message\":\"Calls to this api have exceeded the rate limit.\","
                                + "\"type\":\"OAuthException\",\"code\":613}}"), THROTTLED),
                // subcode 2018338 is always permanent
                arguments("613 / 2018338", graph(400, 613, 2018338), false),
                arguments("32 / 2018338", graph(400, 32, 2018338), false),
                arguments("429 / 2018338", graph(429, 80006, 2018338), false),
                arguments("613 / 2018338 parsed from body", body(400,
                        "{\"error\":{\"message\":\"x\",\"type\":\"OAuthException\",\"code\":613,"
                                + "\"error_subcode\":2018338}}"), false),
                arguments("500 / 2018338", graph(500, 1, 2018338), false),
                // permanent Graph codes
                arguments("code 100 invalid parameter", graph(400, 100, null), false),
                arguments("code 10 permission", graph(403, 10, null), false),
                arguments("code 190 token", graph(401, 190, 463), false),
                arguments("code 200 permissions", graph(403, 200, null), false),
                arguments("code 551 unavailable user", graph(400, 551, 1545041), false),
                arguments("code 100 / 2018001 no matching user", graph(400, 100, 2018001), false),
                arguments("code 100 / 2018108", graph(400, 100, 2018108), false),
                arguments("code 10 / 2018278 outside window", graph(400, 10, 2018278), false),
                arguments("code 2022", graph(400, 2022, null), false),
                arguments("400 without Graph error", graph(400, null, null), false),
                arguments("400 with unparseable body", body(400, "this is not json {"), false),
                arguments("404 with empty body", body(404, ""), false));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("table")
    void classifies(String description, GraphError error, Object expected) {
        Kind kind = expected instanceof Kind k ? k : Boolean.TRUE.equals(expected) ? Kind.TRANSIENT : Kind.PERMANENT;
        assertEquals(kind, error.kind(), description + ": " + error);
        assertEquals(kind != Kind.PERMANENT, error.kind() != Kind.PERMANENT, description);
    }

    @Test
    void parsesGraphErrorBody() {
        GraphError error = GraphError.fromResponse(400, """
                {"error":{"message":"(#100) No matching user found","type":"OAuthException","code":100,
                 "error_subcode":2018001,"fbtrace_id":"AbCdEf123"}}
                """);

        assertEquals(new GraphError(400, 100, 2018001, "OAuthException", "(#100) No matching user found",
                "AbCdEf123"), error);
    }

    @Test
    void keepsStatusAndShortExcerptForNonJsonBody() {
        String html = "<html>\n<body>" + "x".repeat(1000) + "</body></html>";

        GraphError error = GraphError.fromResponse(502, html);

        assertEquals(502, error.httpStatus());
        assertNull(error.code());
        assertNull(error.subcode());
        assertTrue(error.message().startsWith("<html> <body>xxx"), error.message());
        assertTrue(error.message().length() <= GraphError.MAX_MESSAGE_LENGTH + 3, "truncated");
    }

    @Test
    void transportFailureMessages() {
        GraphError timeout = GraphError.transportFailure(new HttpTimeoutException("request timed out"));
        GraphError refused = GraphError.transportFailure(new ConnectException("Connection refused"));

        assertEquals(0, timeout.httpStatus());
        assertEquals("timeout", timeout.message());
        assertEquals(0, refused.httpStatus());
        assertEquals("connection failed: ConnectException", refused.message());
        assertTrue(refused.isTransportFailure());
    }
}
