package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.worker.batch.InvocationBudget;
import ai.joinchat.push.worker.batch.SqsBatchProcessor;
import ai.joinchat.push.worker.batch.SqsEventCodec;
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

    private final SqsEventCodec codec;
    private final SqsBatchProcessor processor;
    private final InvocationBudget budget;
    private final JsonLogger logger;
    private final Metrics metrics;
    /** Held so the SnapStart hook lives as long as the handler (CRaC keeps resources weakly). */
    private final WorkerPriming priming;

    /** Lambda's constructor: builds everything once and takes part in SnapStart. */
    public WorkerHandler() {
        WorkerComponents built = WorkerComponents.create(System.getenv(), Clock.systemUTC(),
                GraphSendClient.DEFAULT_TIMEOUT, DeliveryPolicy.DEFAULT_CLAIM_LEASE);
        this.codec = built.codec();
        this.processor = built.processor();
        this.budget = built.budget();
        this.logger = built.logger();
        this.metrics = built.metrics();
        this.priming = built.priming();
        Core.getGlobalContext().register(priming);
    }

    public WorkerHandler(SqsEventCodec codec, SqsBatchProcessor processor, InvocationBudget budget, JsonLogger logger,
                         Metrics metrics) {
        this.codec = codec;
        this.processor = processor;
        this.budget = budget;
        this.logger = logger;
        this.metrics = metrics;
        this.priming = null;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        List<SqsRecord> records;
        try {
            records = codec.readEvent(input);
        } catch (IllegalArgumentException e) {
            logger.error("invalid_event").with(e).write(); // Lambda then keeps the whole batch
            throw e;
        }
        try {
            List<String> failures = context == null ? processor.process(records, Deadline.none(), Deadline.none())
                    : processor.process(records, budget.startBy(remaining(context)), budget.deadline(remaining(context)));
            codec.writeResponse(failures, output);
        } finally {
            metrics.flush();
        }
    }

    private static Duration remaining(Context context) {
        return Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis()));
    }
}
