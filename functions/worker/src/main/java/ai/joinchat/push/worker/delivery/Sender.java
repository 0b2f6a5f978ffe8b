package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.worker.delivery.Preparation.Ready;
import ai.joinchat.push.worker.graph.GraphError;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.worker.graph.GraphSendOutcome;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Send API call of a claimed message. When Graph says the credentials are invalid, the cached
 * page token or app secret may be older than a rotation: fetched again, and the call made once more
 * if either changed.
 */
final class Sender {

    /** Kept from the deadline for the write that settles the record after the Graph call. */
    static final Duration SETTLE_RESERVE = Duration.ofSeconds(1);

    /**
     * One call's result.
     *
     * @param startedAt stands for the message's Facebook timestamp until its echo brings it
     */
    record Call(GraphSendOutcome outcome, Instant startedAt, long latencyMs) {
    }

    private final GraphSendClient graph;
    private final Preparation preparation;
    private final Clock clock;
    private final JsonLogger logger;
    private final Metrics metrics;

    Sender(GraphSendClient graph, Preparation preparation, Clock clock, JsonLogger logger, Metrics metrics) {
        this.graph = Objects.requireNonNull(graph, "graph");
        this.preparation = Objects.requireNonNull(preparation, "preparation");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.logger = Objects.requireNonNull(logger, "logger");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** @throws IllegalArgumentException for arguments the client refuses before calling (a page id that is not digits) */
    Call send(QueuedMessage message, Ready ready, Deadline deadline) {
        long started = System.nanoTime();
        Instant startedAt = clock.instant();
        GraphSendOutcome outcome = call(message, ready, deadline);
        if (outcome instanceof GraphSendOutcome.Failed failed && credentialsRejected(failed.error())) {
            Optional<Ready> rotated;
            try {
                rotated = preparation.refreshed(message, ready);
            } catch (DependencyUnavailableException e) {
                // Whether the credential rotated is not known: Facebook refused this call, so later, never "failed".
                logger.warn("credentials_refresh_failed").with("message_id", message.messageId())
                        .with("page_id", message.pageId()).with(e).write();
                metrics.count("DependencyFailures", 1);
                rotated = Optional.empty();
                outcome = new GraphSendOutcome.Failed(failed.error(), true);
            }
            if (rotated.isPresent()) {
                metrics.count("CredentialsRefreshed", 1);
                logger.info("credentials_refreshed").with("message_id", message.messageId())
                        .with("page_id", message.pageId()).with("graph_code", failed.error().code()).write();
                startedAt = clock.instant();
                outcome = call(message, rotated.get(), deadline);
            }
        }
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        metrics.milliseconds("GraphLatency", latencyMs);
        return new Call(outcome, startedAt, latencyMs);
    }

    private GraphSendOutcome call(QueuedMessage message, Ready ready, Deadline deadline) {
        return graph.send(message.pageId(), ready.pageToken(), ready.appSecret().orElse(null), ready.body(),
                deadline.minus(SETTLE_RESERVE).cap(GraphSendClient.DEFAULT_TIMEOUT));
    }

    /**
     * Graph says the page token (code 190) or the {@code appsecret_proof} (code 100 naming it) is
     * invalid: the cached secret may be older than a rotation.
     */
    static boolean credentialsRejected(GraphError error) {
        Integer code = error.code();
        return code != null && (code == 190
                || (code == 100 && error.message().toLowerCase(Locale.ROOT).contains("appsecret_proof")));
    }
}
