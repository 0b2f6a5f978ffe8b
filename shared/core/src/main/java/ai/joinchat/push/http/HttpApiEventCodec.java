package ai.joinchat.push.http;

import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Function;

/**
 * Turns an API Gateway HTTP API (2.0) event into an {@link HttpApiRequest}, runs the service and
 * writes its response; a service bug becomes a plain 500. With a body limit, an event too large
 * to hold such a body is answered 413 before anything is parsed.
 */
public final class HttpApiEventCodec {

    /** Room for the event's own fields around the body: headers, request context, paths. */
    static final int EVENT_OVERHEAD_BYTES = 64 * 1024;
    /** A body byte takes at most six characters in the event's JSON string ({@code \\u00XX}). */
    static final int MAX_ESCAPED_BYTES_PER_BODY_BYTE = 6;

    /** Events are at most Lambda's 6 MB invocation payload: room for any body string in one. */
    private static final ObjectMapper EVENT_MAPPER = JsonMapper.builder().build();

    static {
        EVENT_MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64)
                .maxStringLength(8 * 1024 * 1024)
                .build());
    }

    private final JsonLogger log;
    private final long maxEventBytes;

    /** No body limit (the webhook: Facebook decides the size of its batches). */
    public HttpApiEventCodec(JsonLogger log) {
        this(log, Integer.MAX_VALUE);
    }

    public HttpApiEventCodec(JsonLogger log, int maxBodyBytes) {
        this.log = log;
        this.maxEventBytes = (long) maxBodyBytes * MAX_ESCAPED_BYTES_PER_BODY_BYTE + EVENT_OVERHEAD_BYTES;
    }

    public void handle(InputStream input, OutputStream output, Function<HttpApiRequest, HttpApiResponse> service)
            throws IOException {
        HttpApiResponse response;
        try {
            byte[] event = input.readAllBytes();
            if (event.length > maxEventBytes) {
                log.info("request_rejected").with("status", 413).with("event_bytes", event.length).write();
                response = HttpApiResponse.error(ErrorCode.PAYLOAD_TOO_LARGE, "The body is too large.");
            } else {
                JsonNode tree = EVENT_MAPPER.readTree(event);
                response = service.apply(HttpApiRequest.fromEvent(tree));
            }
        } catch (RuntimeException | IOException e) {
            log.error("unhandled_failure").with(e).write();
            response = HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, "Internal error.");
        }
        EVENT_MAPPER.writeValue(output, response.toEvent());
    }
}
