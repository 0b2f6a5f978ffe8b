package ai.joinchat.push.webhook.service;

import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.webhook.service.WebhookEventProcessor.Outcome;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The work of one webhook batch on the function's executor, each piece ending in an
 * {@link Outcome} or a failure of the batch. Work that only gets a thread after the deadline fails
 * (Facebook must redeliver what never ran); at the deadline, or on the first failure, {@link #cancel}
 * stops the rest: tasks not started never start, running ones are interrupted. {@code tasks} is
 * the batch's own list, new and mutable.
 */
record EffectBatch(ExecutorService executor, Deadline deadline, List<Future<Outcome>> tasks) {

    private static final String DYNAMODB = "DynamoDB";

    void start(List<WebhookEvent> events, Supplier<Outcome> work) {
        tasks.add(executor.submit(() -> {
            if (deadline.expired()) {
                throw SdkFailures.deadlinePassed(DYNAMODB);
            }
            try {
                return work.get();
            } catch (RuntimeException e) {
                return Outcome.ofFailure(events, e);
            }
        }));
    }

    /** Runs a read on the calling thread: its value, or empty when the events were skipped. */
    <T> Optional<T> read(List<WebhookEvent> events, Supplier<T> read) {
        try {
            return Optional.of(read.get());
        } catch (RuntimeException e) {
            settle(Outcome.ofFailure(events, e));
            return Optional.empty();
        }
    }

    /** An outcome decided on the calling thread (a read skipped, refs refused). */
    void settle(Outcome outcome) {
        tasks.add(CompletableFuture.completedFuture(outcome));
    }

    /** The tally once all the work is done; throws the first failure, or the deadline's. */
    Outcome await() {
        Outcome total = Outcome.NONE;
        for (Future<Outcome> task : tasks) {
            total = total.plus(outcomeOf(task));
        }
        return total;
    }

    private Outcome outcomeOf(Future<Outcome> task) {
        try {
            return task.get(Math.max(0, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw SdkFailures.unavailable(DYNAMODB, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkFailures.unavailable(DYNAMODB, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            } else if (e.getCause() instanceof DependencyUnavailableException failure) {
                throw failure; // the work's own: transient, or the deployment's
            }
            throw SdkFailures.unavailable(DYNAMODB, e.getCause());
        }
    }

    void cancel() {
        tasks.forEach(task -> task.cancel(true));
    }
}
