package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.worker.batch.SqsRecord;
import ai.joinchat.push.worker.graph.GraphSendClient;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Lambda entry point of the SQS event source: reads the batch, delivers it, answers the partial batch response. */
public final class WorkerHandler implements RequestStreamHandler {

    /** Kept from the invocation's time for the batch response and the redelivery calls after the deliveries. */
    static final Duration INVOCATION_RESERVE = Duration.ofSeconds(2);

    /** Also holds the SnapStart hook as long as the handler lives (CRaC keeps resources weakly). */
    private final WorkerComponents app;

    public WorkerHandler() {
        this(WorkerComponents.create(System.getenv(), Clock.systemUTC(), GraphSendClient.DEFAULT_TIMEOUT,
                DeliveryPolicy.DEFAULT_CLAIM_LEASE));
        Core.getGlobalContext().register(app.priming());
    }

    public WorkerHandler(WorkerComponents app) {
        this.app = app;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        List<SqsRecord> records;
        try {
            records = SqsRecord.readEvent(input.readAllBytes());
        } catch (IllegalArgumentException e) {
            app.logger().error("invalid_event").with(e).write(); // Lambda then keeps the whole batch
            throw e;
        }
        try {
            // No message starts later than one send (sendReserve) before the invocation's end, and
            // every call ends by it; at most half the time is kept back, so a short timeout still delivers.
            List<String> failures = context == null ? app.processor().process(records, Deadline.none(), Deadline.none())
                    : app.processor().process(records, Deadline.ofRemaining(remaining(context), app.sendReserve()),
                            Deadline.ofRemaining(remaining(context), INVOCATION_RESERVE));
            output.write(Json.batchResponse(failures));
            output.flush();
        } finally {
            app.metrics().flush();
        }
    }

    private static Duration remaining(Context context) {
        return Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis()));
    }
}
