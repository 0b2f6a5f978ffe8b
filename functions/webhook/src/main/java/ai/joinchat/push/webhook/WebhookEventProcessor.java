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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

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
        AtomicInteger bindings = new AtomicInteger();
        AtomicInteger echoes = new AtomicInteger();
        AtomicInteger advanced = new AtomicInteger();
        List<CompletableFuture<Void>> effects = new ArrayList<>();
        for (WebhookEvent event : distinct) {
            Optional<ContactBinding> binding = rules.bindingFor(event);
            if (binding.isPresent() || movesMessages(event)) {
                effects.add(CompletableFuture.runAsync(() -> apply(event, binding, bindings, echoes, advanced), executor));
            }
        }
        int recorded = records.record(distinct);
        await(effects, deadline);
        return new Outcome(recorded, bindings.get(), echoes.get(), advanced.get());
    }

    /** One event per page and key (a batch may carry the same event twice); unknown kinds have no key and drop out. */
    private static List<WebhookEvent> distinct(List<WebhookEvent> events) {
        Map<String, WebhookEvent> byKey = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            event.eventKey().ifPresent(key -> byKey.putIfAbsent(event.pageId() + '\n' + key, event));
        }
        return new ArrayList<>(byKey.values());
    }

    private static boolean movesMessages(WebhookEvent event) {
        if (event instanceof MessageEcho echo) {
            return isMessageId(echo.metadata());
        }
        return event instanceof Delivery || event instanceof Read;
    }

    private void apply(WebhookEvent event, Optional<ContactBinding> binding, AtomicInteger bindings,
                       AtomicInteger echoes, AtomicInteger advanced) {
        Instant at = Instant.ofEpochMilli(event.timestamp());
        if (event instanceof MessageEcho echo) {
            if (isMessageId(echo.metadata()) && messages.markEchoed(echo.pageId(), echo.metadata(), at)) {
                echoes.incrementAndGet();
            }
        } else if (event instanceof Delivery delivery) {
            if (!delivery.mids().isEmpty()) {
                advanced.addAndGet(messages.markDelivered(delivery.pageId(), delivery.mids(), at));
            }
            if (delivery.watermark() != null && delivery.psid() != null) {
                advanced.addAndGet(messages.markDeliveredUpTo(delivery.pageId(), delivery.psid(),
                        delivery.watermark(), at));
            }
        } else if (event instanceof Read read) {
            advanced.addAndGet(messages.markReadUpTo(read.pageId(), read.psid(), read.watermark(), at));
        }
        binding.ifPresent(b -> {
            if (contacts.bind(event.pageId(), b.contactKey(), b.psid(), event.timestamp(), b.source())) {
                bindings.incrementAndGet();
            }
        });
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
