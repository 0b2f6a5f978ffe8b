package ai.joinchat.push.webhook.service;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.webhook.event.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.event.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.event.WebhookEvent.Read;
import ai.joinchat.push.webhook.store.WebhookRecords;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Records a batch of events and applies their effects (echoes, receipts, bindings), on the
 * function's executor within the invocation's {@link Deadline}. An event that can never be stored
 * is {@linkplain EventOutcome.Skipped skipped}; any other failure fails the batch so Facebook
 * redelivers it, and every effect is idempotent under that. What the batch itself makes
 * redundant (repeats, later echoes of a message, all but one receipt per user) is left out.
 */
public record WebhookEventProcessor(WebhookRecords records, MessageRecords messages, ContactBindings contacts,
                                    ContactBindingRules rules, BindingAdmission admission, ExecutorService executor) {

    /** What one batch did: the tally of its {@link EventOutcome}s (a failed one has thrown by then). */
    public record Outcome(int recorded, int bindings, int echoesMatched, int messagesAdvanced, int messagesRead,
                          int refsRefused, List<EventOutcome.Skipped> skipped) {

        static Outcome of(List<EventOutcome> outcomes) {
            int recorded = 0, bindings = 0, echoes = 0, advanced = 0, read = 0, refused = 0;
            List<EventOutcome.Skipped> skipped = new ArrayList<>();
            for (EventOutcome outcome : outcomes) {
                if (outcome instanceof EventOutcome.Applied a) {
                    recorded += a.recorded();
                    bindings += a.bindings();
                    echoes += a.echoesMatched();
                    advanced += a.messagesAdvanced();
                    read += a.messagesRead();
                    refused += a.refsRefused();
                } else if (outcome instanceof EventOutcome.Skipped s) {
                    skipped.add(s);
                }
            }
            return new Outcome(recorded, bindings, echoes, advanced, read, refused, List.copyOf(skipped));
        }
    }

    /** Longer metadata, or any with a {@code #} (an echo item's key), is no message id. */
    private static final int MESSAGE_ID_MAX_BYTES = 256;

    /** Throws DependencyUnavailableException when something could not be stored by the deadline. */
    public Outcome process(List<WebhookEvent> events, Deadline deadline) {
        EffectBatch batch = new EffectBatch(executor, deadline);
        try {
            List<WebhookEvent> distinct = distinct(events);
            // The echoes of this system's messages are recorded on them, not as events.
            Set<MessageEcho> ours = startEchoes(distinct, batch);
            List<WebhookEvent> others = distinct.stream()
                    .filter(event -> !ours.contains(event) && records.stores(event)).toList();
            // One request's worth per task, so the records are written side by side.
            for (int from = 0; from < others.size(); from += WebhookRecords.REQUEST_EVENTS) {
                List<WebhookEvent> request = others.subList(from, Math.min(others.size(), from + WebhookRecords.REQUEST_EVENTS));
                batch.startAll(() -> record(request, deadline));
            }
            startReceipts(distinct, batch);
            startBindings(distinct, batch);
            return Outcome.of(batch.await());
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

    private List<EventOutcome> record(List<WebhookEvent> events, Deadline deadline) {
        try {
            WebhookRecords.Recorded recorded = records.record(events, deadline);
            List<EventOutcome> outcomes = new ArrayList<>();
            outcomes.add(EventOutcome.Applied.recorded(recorded.written()));
            recorded.rejected().forEach(r -> outcomes.add(new EventOutcome.Skipped(List.of(r.event()), r.failure())));
            return outcomes;
        } catch (RuntimeException e) {
            return List.of(EventOutcome.ofFailure(events, e));
        }
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
    private EventOutcome.Applied applyEcho(MessageEcho echo, MessageRecords.EchoTarget target, Deadline deadline) {
        MessageRecords.Echo recorded = new MessageRecords.Echo(echo.pageId(), echo.metadata(), echo.timestamp(),
                echo.psid(), echo.mid(), echo.appId());
        boolean unsent = target.status() == null || !target.status().acceptedByFacebook();
        boolean confirmed = unsent && messages.confirmByEcho(recorded, deadline);
        return EventOutcome.Applied.echo(confirmed || messages.stampByEcho(recorded, deadline));
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
        reads.values().forEach(read -> batch.start(List.of(read), () -> EventOutcome.Applied.read(
                messages.markReadUpTo(read.pageId(), read.psid(), read.watermark(), at(read), batch.deadline()))));
    }

    private EventOutcome.Applied delivered(List<Delivery> receipts, EffectBatch batch) {
        Delivery first = receipts.get(0);
        Set<String> mids = new LinkedHashSet<>();
        receipts.forEach(receipt -> mids.addAll(receipt.mids()));
        Long watermark = receipts.stream().map(Delivery::watermark).filter(Objects::nonNull)
                .max(Long::compare).orElse(null);
        return EventOutcome.Applied.delivered(messages.markDeliveryReceipt(first.pageId(), first.psid(), mids,
                watermark, at(first), batch.deadline()));
    }

    /** The admitted bindings, one task per contact writing them in time order. */
    private void startBindings(List<WebhookEvent> events, EffectBatch batch) {
        List<BindingAdmission.Proposal> proposals = new ArrayList<>();
        events.forEach(event -> rules.bindingFor(event)
                .ifPresent(binding -> proposals.add(new BindingAdmission.Proposal(event, binding))));
        if (proposals.isEmpty()) {
            return;
        }
        for (List<BindingAdmission.Admitted> writes : admission.admit(proposals, batch)) {
            batch.start(writes.stream().map(a -> a.proposal().event()).toList(), () -> bind(writes, batch.deadline()));
        }
    }

    private EventOutcome.Applied bind(List<BindingAdmission.Admitted> writes, Deadline deadline) {
        int bound = 0;
        for (BindingAdmission.Admitted write : writes) {
            WebhookEvent event = write.proposal().event();
            ContactBinding binding = write.proposal().binding();
            boolean written = write.write() == BindingAdmission.Write.REPLACE
                    ? contacts.bind(event.pageId(), binding.contactKey(), binding.psid(), event.timestamp(),
                    binding.source(), deadline)
                    : contacts.bindIfUnbound(event.pageId(), binding.contactKey(), binding.psid(), event.timestamp(),
                    binding.source(), deadline);
            bound += written ? 1 : 0;
        }
        return EventOutcome.Applied.bound(bound);
    }

    private static Instant at(WebhookEvent event) {
        return Instant.ofEpochMilli(event.timestamp());
    }

    private static boolean isMessageId(String metadata) {
        return metadata != null && !metadata.isBlank() && metadata.indexOf('#') < 0
                && metadata.getBytes(StandardCharsets.UTF_8).length <= MESSAGE_ID_MAX_BYTES;
    }
}
