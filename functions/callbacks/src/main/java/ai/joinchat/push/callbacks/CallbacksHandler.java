package ai.joinchat.push.callbacks;

import ai.joinchat.push.json.Json;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import org.crac.Core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Lambda entry point of both event sources: DynamoDB stream records ({@code aws:dynamodb}) are
 * announced on {@code CallbackQueue}, its SQS records ({@code aws:sqs}) are POSTed; either way the
 * answer is the partial batch response.
 */
public final class CallbacksHandler implements RequestStreamHandler {

    /** Also holds the SnapStart hook as long as the handler lives (CRaC keeps resources weakly). */
    private final CallbacksComponents app;

    /** Lambda's constructor: builds everything once and takes part in SnapStart. */
    public CallbacksHandler() {
        this(CallbacksComponents.create(System.getenv(), Clock.systemUTC(), CallbacksComponents.POST_TIMEOUT,
                CallbacksComponents.SQS_MAX_DELAY));
        Core.getGlobalContext().register(app.priming());
    }

    public CallbacksHandler(CallbacksComponents app) {
        this.app = app;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        Json.MAPPER.readTree(input).path("Records").forEach(records::add);
        boolean queue = !records.isEmpty() && "aws:sqs".equals(records.get(0).path("eventSource").asText());
        try {
            output.write(Json.batchResponse(queue ? app.dispatcher().dispatch(records)
                    : app.dispatcher().announce(records)));
        } finally {
            app.metrics().flush();
        }
    }
}
