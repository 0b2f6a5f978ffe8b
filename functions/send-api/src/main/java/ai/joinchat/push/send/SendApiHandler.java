package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.http.HttpApiEventCodec;
import ai.joinchat.push.observability.JsonLogger;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;
import org.crac.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Lambda entry point of {@code POST /api/send_message}, {@code POST /api/message_status} and the
 * API's JSON 404/405. Thin: decode the API Gateway event, call {@link SendApiService}, encode.
 */
public final class SendApiHandler implements RequestStreamHandler, Resource {

    /** Kept from the function's time for writing the answer after the last AWS call. */
    static final Duration ANSWER_RESERVE = Duration.ofMillis(1500);

    private final SendApiService service;
    private final HttpApiEventCodec codec;

    /** Lambda's constructor: real clients, built once per execution environment. */
    public SendApiHandler() {
        this(SendApiComponents.create(System.getenv(), Clock.systemUTC()));
        Core.getGlobalContext().register(this);
    }

    public SendApiHandler(SendApiService service) {
        this.service = service;
        this.codec = new HttpApiEventCodec(new JsonLogger("send-api", JsonLogger.Level.INFO, System.out, Clock.systemUTC()),
                SignedRequestAuthenticator.MAX_BODY_BYTES);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        if (context == null) {
            codec.handle(input, output, service::handle);
            return;
        }
        // One deadline per invocation: every AWS call ends by it, so the answer beats the timeout.
        Duration remaining = Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis()));
        Deadline deadline = Deadline.ofRemaining(remaining, ANSWER_RESERVE);
        Instant invocationEnd = Instant.now().plus(remaining);
        codec.handle(input, output, request -> service.handle(request, deadline, invocationEnd));
    }

    /** SnapStart priming: the request path that needs no network, loaded into the snapshot. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        service.primeWithoutNetwork();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to refresh: clients resolve credentials lazily and the secret cache is bounded by age.
    }
}
