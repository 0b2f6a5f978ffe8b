package ai.joinchat.push.webhook;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.MessageRecords;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Records a batch of events and applies their effects: echoes mark messages echoed, receipts
 * move them to delivered / read, referrals, opt-ins and quick replies bind contacts. Effects run
 * in parallel on a bounded executor while the records are written; every one is idempotent, so
 * when anything fails the whole POST answers 500 and Facebook's redelivery completes it.
 */
public final class WebhookEventProcessor {

    /** What one batch did. */
    public record Outcome(int recorded, int bindings, int echoesMatched, int messagesAdvanced) {
    }

    /** DynamoDB's limit for a partition key is 2048 bytes; a longer metadata string is no message id. */
    private static final int MESSAGE_ID_MAX_BYTES = 2048;

    private final WebhookRecords records;
    private final MessageRecords messages;
    private final ContactBindings contacts;
    private final ContactBindingRules rules;
    private final Executor executor;
    private final Duration budget;

    /**
     * @param executor runs the effects; its thread count bounds the DynamoDB calls in flight
     * @param budget   how long the effects may take before the batch is answered with a failure
     */
    public WebhookEventProcessor(WebhookRecords records, MessageRecords messages, ContactBindings contacts,
                                 ContactBindingRules rules, Executor executor, Duration budget) {
        this.records = records;
        this.messages = messages;
        this.contacts = contacts;
        this.rules = rules;
        this.executor = executor;
        this.budget = budget;
    }

    /**
     * @throws DependencyUnavailableException when a record or an effect could not be stored in time
     */
    public Outcome process(List<WebhookEvent> events) {
        long deadline = System.nanoTime() + budget.toNanos();
        List<WebhookEvent> distinct = distinct(events);
        Tally tally = new Tally();
        List<CompletableFuture<Void>> effects = new ArrayList<>();
        startEffects(distinct, tally, effect -> effects.add(CompletableFuture.runAsync(effect, executor)));
        int recorded = records.record(distinct);
        await(effects, deadline);
        return new Outcome(recorded, tally.bindings.get(), tally.echoes.get(), tally.advanced.get());
    }

    /** One event per page and key (a batch may carry the same event twice); unknown kinds have no key and drop out. */
    private static List<WebhookEvent> distinct(List<WebhookEvent> events) {
        Map<String, WebhookEvent> byKey = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            event.eventKey().ifPresent(key -> byKey.putIfAbsent(event.pageId() + '\n' + key, event));
        }
        return new ArrayList<>(byKey.values());
    }

    /** Counts of what the effects changed; updated from the executor's threads. */
    private static final class Tally {
        final AtomicInteger bindings = new AtomicInteger();
        final AtomicInteger echoes = new AtomicInteger();
        final AtomicInteger advanced = new AtomicInteger();
    }

    /**
     * Starts the store calls a batch needs, one task each, leaving out what the batch itself makes
     * redundant: per page, one delivery mark per Facebook message id and one echo mark per message
     * id (the first echo's time), only for ids a batch read found unechoed; per user, only the
     * highest delivery and read watermark; per contact, only the newest binding (the store would
     * refuse the older ones anyway).
     */
    private void startEffects(List<WebhookEvent> events, Tally tally, Consumer<Runnable> start) {
        Map<String, Map<String, MessageEcho>> echoes = new LinkedHashMap<>();
        Map<String, Map<String, Delivery>> deliveredMids = new LinkedHashMap<>();
        Map<String, Delivery> deliveredUpTo = new LinkedHashMap<>();
        Map<String, Read> readUpTo = new LinkedHashMap<>();
        Map<String, Bind> binds = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            if (event instanceof MessageEcho echo && isMessageId(echo.metadata())) {
                echoes.computeIfAbsent(echo.pageId(), page -> new LinkedHashMap<>())
                        .merge(echo.metadata(), echo, (a, b) -> a.timestamp() <= b.timestamp() ? a : b);
            } else if (event instanceof Delivery delivery) {
                Map<String, Delivery> ofPage = deliveredMids.computeIfAbsent(delivery.pageId(), page -> new LinkedHashMap<>());
                delivery.mids().forEach(mid -> ofPage.putIfAbsent(mid, delivery));
                if (delivery.watermark() != null && delivery.psid() != null) {
                    deliveredUpTo.merge(delivery.pageId() + '\n' + delivery.psid(), delivery,
                            (a, b) -> a.watermark() >= b.watermark() ? a : b);
                }
            } else if (event instanceof Read read) {
                readUpTo.merge(read.pageId() + '\n' + read.psid(), read, (a, b) -> a.watermark() >= b.watermark() ? a : b);
            }
            rules.bindingFor(event).ifPresent(binding -> binds.merge(event.pageId() + '\n' + binding.contactKey(),
                    new Bind(event, binding), (held, next) -> held.event().timestamp() <= next.event().timestamp() ? next : held));
        }

        // First, while DynamoDB is idle: which echoed ids are this page's unechoed messages (batch reads).
        echoes.forEach((page, byMessageId) -> {
            for (String messageId : messages.unechoed(page, byMessageId.keySet())) {
                MessageEcho echo = byMessageId.get(messageId);
                start.accept(() -> {
                    // The echo proves Facebook took it: it is sent, even if the Send API's reply was lost.
                    if (messages.confirmByEcho(page, messageId, echo.mid(), echo.psid(), at(echo))) {
                        tally.echoes.incrementAndGet();
                    }
                });
            }
        });
        deliveredMids.forEach((page, byMid) -> byMid.forEach((mid, delivery) -> start.accept(() ->
                tally.advanced.addAndGet(messages.markDelivered(page, List.of(mid), at(delivery))))));
        deliveredUpTo.values().forEach(delivery -> start.accept(() -> tally.advanced.addAndGet(
                messages.markDeliveredUpTo(delivery.pageId(), delivery.psid(), delivery.watermark(), at(delivery)))));
        readUpTo.values().forEach(read -> start.accept(() -> tally.advanced.addAndGet(
                messages.markReadUpTo(read.pageId(), read.psid(), read.watermark(), at(read)))));
        binds.values().forEach(bind -> start.accept(() -> {
            WebhookEvent event = bind.event();
            ContactBinding binding = bind.binding();
            if (contacts.bind(event.pageId(), binding.contactKey(), binding.psid(), event.timestamp(), binding.source())) {
                tally.bindings.incrementAndGet();
            }
        }));
    }

    /** A binding and the event it comes from (whose time stamp decides which binding is newer). */
    private record Bind(WebhookEvent event, ContactBinding binding) {
    }

    private static Instant at(WebhookEvent event) {
        return Instant.ofEpochMilli(event.timestamp());
    }

    private static boolean isMessageId(String metadata) {
        return metadata != null && !metadata.isBlank()
                && metadata.getBytes(StandardCharsets.UTF_8).length <= MESSAGE_ID_MAX_BYTES;
    }

    private static void await(List<CompletableFuture<Void>> effects, long deadline) {
        if (effects.isEmpty()) {
            return;
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(effects.toArray(CompletableFuture[]::new));
        try {
            all.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            effects.forEach(f -> f.cancel(false));
            throw new DependencyUnavailableException("DynamoDB", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DependencyUnavailableException("DynamoDB", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new DependencyUnavailableException("DynamoDB", e.getCause());
        }
    }
}
