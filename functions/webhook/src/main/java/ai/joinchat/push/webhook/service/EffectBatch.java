package ai.joinchat.push.webhook.service;

import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The work of one webhook batch on the function's executor, each piece ending in an
 * {@link EventOutcome}. Work that only gets a thread after the deadline fails (Facebook must
 * redeliver what never ran); at the deadline, or on the first failure, {@link #cancel} stops the
 * rest: tasks not started never start, running ones are interrupted.
 */
final class EffectBatch {

    private static final String DYNAMODB = "DynamoDB";

    private final ExecutorService executor;
    private final Deadline deadline;
    private final List<Future<List<EventOutcome>>> tasks = new ArrayList<>();
    /** Outcomes decided on the calling thread (reads skipped, refs refused). */
    private final List<EventOutcome> settled = new ArrayList<>();

    EffectBatch(ExecutorService executor, Deadline deadline) {
        this.executor = executor;
        this.deadline = deadline;
    }

    Deadline deadline() {
        return deadline;
    }

    void start(List<WebhookEvent> events, Supplier<EventOutcome.Applied> work) {
        startAll(() -> {
            try {
                return List.of(work.get());
            } catch (RuntimeException e) {
                return List.of(EventOutcome.ofFailure(events, e));
            }
        });
    }

    /** Starts work that names an outcome per part of its events. */
    void startAll(Callable<List<EventOutcome>> work) {
        tasks.add(executor.submit(() -> deadline.expired()
                ? List.of(new EventOutcome.Failed(SdkFailures.deadlinePassed(DYNAMODB)))
                : work.call()));
    }

    /** Runs a read on the calling thread: its value, or empty when the events were skipped. */
    <T> Optional<T> read(List<WebhookEvent> events, Supplier<T> read) {
        try {
            return Optional.of(read.get());
        } catch (RuntimeException e) {
            settle(EventOutcome.ofFailure(events, e));
            return Optional.empty();
        }
    }

    /** An outcome decided on the calling thread; a failure ends the batch at once. */
    void settle(EventOutcome outcome) {
        if (outcome instanceof EventOutcome.Failed failed) {
            throw failed.failure();
        }
        settled.add(outcome);
    }

    /** Every outcome once all the work is done; throws the first failure, or the deadline's. */
    List<EventOutcome> await() {
        List<EventOutcome> outcomes = new ArrayList<>(settled);
        for (Future<List<EventOutcome>> task : tasks) {
            for (EventOutcome outcome : outcomeOf(task)) {
                if (outcome instanceof EventOutcome.Failed failed) {
                    throw failed.failure();
                }
                outcomes.add(outcome);
            }
        }
        return outcomes;
    }

    private List<EventOutcome> outcomeOf(Future<List<EventOutcome>> task) {
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
            }
            throw SdkFailures.unavailable(DYNAMODB, e.getCause());
        }
    }

    void cancel() {
        tasks.forEach(task -> task.cancel(true));
    }
}
