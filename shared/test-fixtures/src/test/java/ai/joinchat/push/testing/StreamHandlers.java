package ai.joinchat.push.testing;

import ai.joinchat.push.json.Json;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** A function's handler run on an event through its real stream entry point, as Lambda does. */
public final class StreamHandlers {

    private StreamHandlers() {
    }

    /** The handler's answer to the event, with no Lambda context. */
    public static JsonNode invoke(RequestStreamHandler handler, JsonNode event) {
        return invoke(handler, event, null);
    }

    /** The handler's answer to the event; an empty answer (the invocation died) is an empty object. */
    public static JsonNode invoke(RequestStreamHandler handler, JsonNode event, Context context) {
        byte[] answer = invoke(handler, Json.writeBytes(event), context);
        return answer.length == 0 ? Json.object() : Json.parse(new String(answer, StandardCharsets.UTF_8));
    }

    /** The handler's answer, as bytes, to the event's bytes (any event: SQS, API Gateway, not JSON at all). */
    public static byte[] invoke(RequestStreamHandler handler, byte[] event, Context context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(event), out, context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
