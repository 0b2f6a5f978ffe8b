package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Lambda entry point of the send API. Thin: decode the API Gateway event, call {@link SendApiService}, encode. */
public final class SendApiHandler implements RequestStreamHandler {

    /** Kept from the function's time for writing the answer after the last AWS call. */
    static final Duration ANSWER_RESERVE = Duration.ofMillis(1500);

    /** Also holds the SnapStart hook as long as the handler lives (CRaC keeps resources weakly). */
    private final SendApiComponents app;

    /** Lambda's constructor: builds everything once and takes part in SnapStart. */
    public SendApiHandler() {
        this(SendApiComponents.create(System.getenv(), Clock.systemUTC()));
        Core.getGlobalContext().register(app.priming());
    }

    public SendApiHandler(SendApiComponents app) {
        this.app = app;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try {
            // One deadline per invocation: every AWS call ends by it, so the answer beats the timeout.
            Duration remaining = context == null ? SendApiService.DEFAULT_INVOCATION
                    : Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis()));
            Deadline deadline = Deadline.ofRemaining(remaining, ANSWER_RESERVE);
            Instant invocationEnd = app.service().clock().instant().plus(remaining);
            app.codec().handle(input, output, request -> app.service().handle(request, deadline, invocationEnd));
        } finally {
            app.metrics().flush();
        }
    }
}
