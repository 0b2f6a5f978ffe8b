package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Lambda entry point of {@code WebhookFunction}: API Gateway HTTP API (2.0) events in, proxy results out. */
public final class WebhookHandler implements RequestStreamHandler {

    /** Facebook waits about this long for the answer; past it, the POST failed and it redelivers the batch. */
    static final Duration FACEBOOK_WAIT = Duration.ofSeconds(5);
    /** Kept from the time left for writing the answer after the last DynamoDB call. */
    static final Duration ANSWER_RESERVE = Duration.ofMillis(500);

    /** Also holds the SnapStart hook as long as the handler lives (CRaC keeps resources weakly). */
    private final WebhookComponents app;

    public WebhookHandler() {
        this(WebhookComponents.create(System.getenv(), Clock.systemUTC(), List.of()));
        Core.getGlobalContext().register(app.priming());
    }

    public WebhookHandler(WebhookComponents app) {
        this.app = app;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Deadline deadline = deadline(context);
        try {
            app.codec().handle(input, output, request -> app.service().handle(request, deadline));
        } finally {
            app.metrics().flush();
        }
    }

    /**
     * One deadline per invocation, handed to every store call: Facebook's wait or the function's
     * remaining time, whichever ends first, less the answer's reserve (a batch past it answers
     * 500, and Facebook redelivers it). Without a Lambda context (tests), Facebook's wait.
     */
    static Deadline deadline(Context context) {
        Duration remaining = context == null ? FACEBOOK_WAIT
                : Duration.ofMillis(Math.max(0, Math.min(context.getRemainingTimeInMillis(), FACEBOOK_WAIT.toMillis())));
        return Deadline.ofRemaining(remaining, ANSWER_RESERVE);
    }
}
