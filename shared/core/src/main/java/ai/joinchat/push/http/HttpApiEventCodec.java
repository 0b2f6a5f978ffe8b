package ai.joinchat.push.http;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Function;

/**
 * Turns an API Gateway HTTP API (2.0) event stream into an {@link HttpApiRequest}, runs the
 * service, and writes its response. A service bug becomes a plain 500 in the contract's error
 * shape, logged once, never a stack trace in the response.
 */
public final class HttpApiEventCodec {

    private final JsonLogger log;

    public HttpApiEventCodec(JsonLogger log) {
        this.log = log;
    }

    public void handle(InputStream input, OutputStream output, Function<HttpApiRequest, HttpApiResponse> service)
            throws IOException {
        HttpApiResponse response;
        try {
            JsonNode event = Json.MAPPER.readTree(input);
            response = service.apply(HttpApiRequest.fromEvent(event));
        } catch (RuntimeException | IOException e) {
            log.error("unhandled_failure").with(e).write();
            response = HttpApiResponse.error(ErrorCode.INTERNAL_ERROR, "Internal error.");
        }
        Json.MAPPER.writeValue(output, response.toEvent());
    }
}
