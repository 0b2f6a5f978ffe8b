package ai.joinchat.push.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;
import org.crac.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Lambda entry point of the SQS event source: reads the batch, delivers it, answers the partial
 * batch response {@code {"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}}.
 */
public final class WorkerHandler implements RequestStreamHandler, Resource {

    private final WorkerComponents components;

    /** Lambda's constructor: builds everything once and takes part in SnapStart. */
    public WorkerHandler() {
        this(WorkerComponents.create(System.getenv(), Clock.systemUTC()));
        Core.getGlobalContext().register(this);
    }

    /** Tests and local mode. */
    public WorkerHandler(WorkerComponents components) {
        this.components = Objects.requireNonNull(components, "components");
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        List<SqsRecord> records;
        try {
            records = components.codec().readEvent(input);
        } catch (IllegalArgumentException e) {
            // Not an SQS event: failing the invocation makes Lambda keep the whole batch.
            components.logger().error("invalid_event").with(e).write();
            throw e;
        }
        if (context == null) {
            components.codec().writeResponse(components.batchProcessor().process(records, null), output);
            return;
        }
        Duration remaining = Duration.ofMillis(Math.max(0, context.getRemainingTimeInMillis()));
        List<String> failures = components.batchProcessor().process(records, components.timeBudget(remaining),
                components.deadline(remaining));
        components.codec().writeResponse(failures, output);
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        components.prime();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing: clients resolve credentials lazily and secrets are fetched (and cached) on use.
    }
}
