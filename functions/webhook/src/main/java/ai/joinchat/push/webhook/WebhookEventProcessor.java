package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.webhook.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.Read;
import ai.joinchat.push.webhook.WebhookRecords.Rejected;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Records a batch of events and applies their effects (echoes, receipts, bindings) on the function's
 * executor within the invocation's {@link Deadline}. Every effect is idempotent, since a failed batch
 * is redelivered ({@link Outcome#ofFailure}); what the batch itself makes redundant (repeats, later
 * echoes of a message, all but one receipt per user) is left out.
 */
public record WebhookEventProcessor(WebhookRecords records, MessageRecords messages, ContactBindings contacts,
                                    BindingAdmission admission, ExecutorService executor) {

    /**
     * What a batch, or one piece of its work, wrote (a redelivery writes nothing new and counts
     * nothing), and the events skipped as never storable while the others took effect.
     */
    public record Outcome(int recorded, int bindings, int echoesMatched, int messagesAdvanced, int messagesRead,
                          int refsRefused, List<Rejected> skipped) {

        static final Outcome NONE = new Outcome(0, 0, 0, 0, 0, 0, List.of());

        static Outcome recorded(int written, List<Rejected> rejected) {
            return new Outcome(written, 0, 0, 0, 0, 0, List.copyOf(rejected));
        }

        /** An echo recorded next to its message (false: recorded already, a redelivery). */
        static Outcome echo(boolean recorded) {
            return recorded ? new Outcome(1, 0, 1, 0, 0, 0, List.of()) : NONE;
        }

        static Outcome delivered(int messages) {
            return new Outcome(0, 0, 0, messages, 0, 0, List.of());
        }

        static Outcome read(int messages) {
            return new Outcome(0, 0, 0, messages, messages, 0, List.of());
        }

        static Outcome bound(int bindings) {
            return new Outcome(0, bindings, 0, 0, 0, 0, List.of());
        }

        static Outcome refused(int refs) {
            return new Outcome(0, 0, 0, 0, 0, refs, List.of());
        }

        /**
         * Skips {@code events} when they themselves caused {@code failure}; any other failure (transient,
         * or the deployment's to fix) is thrown: the batch fails and Facebook redelivers it.
         */
        static Outcome ofFailure(List<WebhookEvent> events, RuntimeException failure) {
            if (failure instanceof DependencyUnavailableException dependency && !SdkFailures.invalidRequest(dependency)) {
                throw dependency;
            }
            return new Outcome(0, 0, 0, 0, 0, 0, events.stream().map(event -> new Rejected(event, failure)).toList());
        }

        Outcome plus(Outcome other) {
            List<Rejected> both = other.skipped.isEmpty() ? skipped
                    : Stream.concat(skipped.stream(), other.skipped.stream()).toList();
            return new Outcome(recorded + other.recorded, bindings + other.bindings, echoesMatched + other.echoesMatched,
                    messagesAdvanced + other.messagesAdvanced, messagesRead + other.messagesRead,
                    refsRefused + other.refsRefused, both);
        }
    }

    /**
     * One batch's work, each piece ending in an {@link Outcome} or a failure of the batch. Work that
     * only gets a thread after the deadline fails (Facebook must redeliver what never ran); at the
     * deadline, or on the first failure, {@link #cancel} stops the rest: tasks not started never start,
     * running ones are interrupted. {@code tasks} is the batch's own list, new and mutable.
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
                throw new DependencyUnavailableException(DYNAMODB, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DependencyUnavailableException(DYNAMODB, e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                } else if (e.getCause() instanceof DependencyUnavailableException failure) {
                    throw failure; // the work's own: transient, or the deployment's
                }
                throw new DependencyUnavailableException(DYNAMODB, e.getCause());
            }
        }

        void cancel() {
            tasks.forEach(task -> task.cancel(true));
        }
    }

    /** Longer metadata, or any with a {@code #} (an echo item's key), is no message id. */
    private static final int MESSAGE_ID_MAX_BYTES = 256;

    /** Throws DependencyUnavailableException when something could not be stored by the deadline. */
    public Outcome process(List<WebhookEvent> events, Deadline deadline) {
        EffectBatch batch = new EffectBatch(executor, deadline, new ArrayList<>());
        try {
            List<WebhookEvent> distinct = distinct(events);
            // The echoes of this system's messages are recorded on them, not as events.
            Set<MessageEcho> ours = startEchoes(distinct, batch);
            List<WebhookEvent> others = distinct.stream()
                    .filter(event -> !ours.contains(event) && records.stores(event)).toList();
            // One request's worth per task, so the records are written side by side.
            for (int from = 0; from < others.size(); from += WebhookRecords.REQUEST_EVENTS) {
                List<WebhookEvent> request = others.subList(from, Math.min(others.size(), from + WebhookRecords.REQUEST_EVENTS));
                batch.start(request, () -> records.record(request, deadline));
            }
            startReceipts(distinct, batch);
            startBindings(distinct, batch);
            return batch.await();
        } finally {
            batch.cancel();
        }
    }

    /** One event per page and key (a batch may carry the same event twice); unknown kinds have no key and drop out. */
    private static List<WebhookEvent> distinct(List<WebhookEvent> events) {
        Map<String, WebhookEvent> byKey = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            event.eventKey().ifPresent(key -> byKey.putIfAbsent(event.pageId() + '\n' + key, event));
        }
        return new ArrayList<>(byKey.values());
    }

    /** Per page, one batch read finds the echoes of its messages; each unrecorded one starts a task. */
    private Set<MessageEcho> startEchoes(List<WebhookEvent> events, EffectBatch batch) {
        Map<String, Map<String, MessageEcho>> byPage = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            if (event instanceof MessageEcho echo && isMessageId(echo.metadata())) {
                byPage.computeIfAbsent(echo.pageId(), page -> new LinkedHashMap<>())
                        .merge(echo.metadata(), echo, (a, b) -> a.timestamp() <= b.timestamp() ? a : b);
            }
        }
        Set<MessageEcho> ours = new HashSet<>();
        byPage.forEach((page, byId) -> batch.read(List.copyOf(byId.values()),
                () -> messages.echoTargets(page, byId.keySet(), batch.deadline())).orElse(Map.of())
                .forEach((messageId, target) -> {
                    MessageEcho echo = byId.get(messageId);
                    ours.add(echo);
                    if (!target.echoRecorded()) { // else a redelivery: nothing to do
                        batch.start(List.of(echo), () -> applyEcho(echo, target, batch.deadline()));
                    }
                }));
        return ours;
    }

    /** Confirms the message, or else records the echo on it: one conditional write either way. */
    private Outcome applyEcho(MessageEcho echo, MessageRecords.EchoTarget target, Deadline deadline) {
        MessageRecords.Echo recorded = new MessageRecords.Echo(echo.pageId(), echo.metadata(), echo.timestamp(),
                echo.psid(), echo.mid(), echo.appId());
        boolean unsent = target.status() == null || !target.status().acceptedByFacebook();
        boolean confirmed = unsent && messages.confirmByEcho(recorded, deadline);
        return Outcome.echo(confirmed || messages.stampByEcho(recorded, deadline));
    }

    /** One task per user's delivery receipts (their mids, the highest watermark) and one per user's highest read. */
    private void startReceipts(List<WebhookEvent> events, EffectBatch batch) {
        Map<String, List<Delivery>> deliveries = new LinkedHashMap<>();
        Map<String, Read> reads = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            if (event instanceof Delivery delivery) {
                deliveries.computeIfAbsent(delivery.pageId() + '\n' + delivery.psid(), user -> new ArrayList<>())
                        .add(delivery);
            } else if (event instanceof Read read) {
                reads.merge(read.pageId() + '\n' + read.psid(), read, (a, b) -> a.watermark() >= b.watermark() ? a : b);
            }
        }
        deliveries.values().forEach(receipts -> batch.start(List.copyOf(receipts), () -> delivered(receipts, batch)));
        reads.values().forEach(read -> batch.start(List.of(read), () -> Outcome.read(
                messages.markReadUpTo(read.pageId(), read.psid(), read.watermark(), at(read), batch.deadline()))));
    }

    private Outcome delivered(List<Delivery> receipts, EffectBatch batch) {
        Delivery first = receipts.get(0);
        Set<String> mids = new LinkedHashSet<>();
        receipts.forEach(receipt -> mids.addAll(receipt.mids()));
        Long watermark = receipts.stream().map(Delivery::watermark).filter(Objects::nonNull)
                .max(Long::compare).orElse(null);
        return Outcome.delivered(messages.markDeliveryReceipt(first.pageId(), first.psid(), mids,
                watermark, at(first), batch.deadline()));
    }

    /** The admitted bindings, one task per contact writing them in time order. */
    private void startBindings(List<WebhookEvent> events, EffectBatch batch) {
        for (List<BindingAdmission.Admitted> writes : admission.admit(events, batch)) {
            batch.start(writes.stream().map(a -> a.proposal().event()).toList(), () -> bind(writes, batch.deadline()));
        }
    }

    private Outcome bind(List<BindingAdmission.Admitted> writes, Deadline deadline) {
        int bound = 0;
        for (BindingAdmission.Admitted write : writes) {
            WebhookEvent event = write.proposal().event();
            BindingAdmission.ContactBinding binding = write.proposal().binding();
            boolean written = contacts.bind(event.pageId(), binding.contactKey(), binding.psid(), event.timestamp(),
                    binding.source(), write.write() != BindingAdmission.Write.REPLACE, deadline);
            bound += written ? 1 : 0;
        }
        return Outcome.bound(bound);
    }

    private static Instant at(WebhookEvent event) {
        return Instant.ofEpochMilli(event.timestamp());
    }

    private static boolean isMessageId(String metadata) {
        return metadata != null && !metadata.isBlank() && metadata.indexOf('#') < 0
                && metadata.getBytes(StandardCharsets.UTF_8).length <= MESSAGE_ID_MAX_BYTES;
    }
}
