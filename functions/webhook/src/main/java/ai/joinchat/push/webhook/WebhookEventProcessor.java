package ai.joinchat.push.webhook;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.secrets.UnsignedRefPolicy;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Records a batch of events and applies their effects: echoes mark messages echoed, receipts
 * move them to delivered / read, referrals, opt-ins and quick replies bind contacts as the
 * contract's binding rules allow. The records and the effects run in parallel on a bounded
 * executor.
 *
 * <p>Events are isolated (contract section 6): an event that can never be stored or applied
 * because of what it is (DynamoDB rejects its item as invalid, {@code ValidationException}; or
 * it trips a bug of ours) is reported in {@link Outcome#skipped()} and the others take effect.
 * Every other failure fails the batch, so Facebook redelivers it: transient ones (throttling,
 * 5xx, timeout, the deadline) and the deployment's (access denied, a missing table, invalid or
 * expired credentials, a disabled key), which an operator fixes; every record and effect is
 * idempotent under that redelivery. Work
 * still pending at the deadline is cancelled (tasks not started never start, running ones are
 * interrupted), never left running into the next invocation.
 */
public final class WebhookEventProcessor {

    /** What one batch did. */
    public record Outcome(int recorded, int bindings, int echoesMatched, int messagesAdvanced, int refsRefused,
                          List<Skipped> skipped) {
    }

    /** Events skipped because they are invalid in themselves, and the failure. */
    public record Skipped(List<WebhookEvent> events, RuntimeException failure) {
    }

    /**
     * Message ids are UUIDs: longer metadata, or metadata with a {@code #} (which could name an
     * echo record, or push a key past DynamoDB's 2048-byte limit with its suffix), is no message id.
     */
    private static final int MESSAGE_ID_MAX_BYTES = 256;

    private final WebhookRecords records;
    private final MessageRecords messages;
    private final ContactBindings contacts;
    private final ContactBindingRules rules;
    private final SecretsProvider secrets;
    private final QuickReplyOffers offers;
    private final ExecutorService executor;
    private final Duration budget;
    private final Clock clock;

    /**
     * @param secrets  the page secrets: their keys verify signed refs, their {@code unsigned_refs}
     *                 setting governs unsigned ones
     * @param offers   the quick-reply offers the worker recorded
     * @param executor runs the records and effects; its thread count bounds the DynamoDB calls in flight
     * @param budget   how long a batch may take before it is answered with a (transient) failure
     */
    public WebhookEventProcessor(WebhookRecords records, MessageRecords messages, ContactBindings contacts,
                                 ContactBindingRules rules, SecretsProvider secrets, QuickReplyOffers offers,
                                 ExecutorService executor, Duration budget, Clock clock) {
        this.records = records;
        this.messages = messages;
        this.contacts = contacts;
        this.rules = rules;
        this.secrets = secrets;
        this.offers = offers;
        this.executor = executor;
        this.budget = budget;
        this.clock = clock;
    }

    /**
     * @throws DependencyUnavailableException when a record or an effect could not be stored (in
     *                                        time); only an item refused as invalid is skipped instead
     */
    public Outcome process(List<WebhookEvent> events) {
        Batch batch = new Batch(System.nanoTime() + budget.toNanos());
        List<WebhookEvent> distinct = distinct(events);
        try {
            // The echoes of this system's messages are recorded next to them, not as events.
            Set<MessageEcho> ours = startEchoes(distinct, batch);
            List<WebhookEvent> others = ours.isEmpty() ? distinct
                    : distinct.stream().filter(event -> !ours.contains(event)).toList();
            batch.start(others, () -> {
                WebhookRecords.Recorded recorded = records.record(others);
                batch.recorded.addAndGet(recorded.written());
                recorded.rejected().forEach(r -> batch.skip(List.of(r.event()), r.failure()));
            });
            startEffects(distinct, batch);
            batch.await();
        } finally {
            batch.cancel();
        }
        return new Outcome(batch.recorded.get(), batch.bindings.get(), batch.echoes.get(), batch.advanced.get(),
                batch.refsRefused.get(), List.copyOf(batch.skipped));
    }

    /** One event per page and key (a batch may carry the same event twice); unknown kinds have no key and drop out. */
    private static List<WebhookEvent> distinct(List<WebhookEvent> events) {
        Map<String, WebhookEvent> byKey = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            event.eventKey().ifPresent(key -> byKey.putIfAbsent(event.pageId() + '\n' + key, event));
        }
        return new ArrayList<>(byKey.values());
    }

    /**
     * Finds, with one batch read per page, which echoes carry the id of one of this page's
     * messages whose echo is not recorded yet (per message id, the batch's first echo), and starts
     * one task each: the sent mark when the record is not sent yet (the echo proves Facebook took
     * it, even if the Send API's reply was lost), else the echo's Facebook timestamp in place of
     * the Send API call's start while the message awaits a receipt (the receipts' watermarks are
     * compared with it); then the echo's record next to the message, which marks it echoed (last,
     * so a failure before it leaves the whole echo to Facebook's redelivery). Returns those
     * echoes: they are not recorded as events.
     */
    private Set<MessageEcho> startEchoes(List<WebhookEvent> events, Batch batch) {
        Map<String, Map<String, MessageEcho>> echoes = new LinkedHashMap<>();
        for (WebhookEvent event : events) {
            if (event instanceof MessageEcho echo && isMessageId(echo.metadata())) {
                echoes.computeIfAbsent(echo.pageId(), page -> new LinkedHashMap<>())
                        .merge(echo.metadata(), echo, (a, b) -> a.timestamp() <= b.timestamp() ? a : b);
            }
        }
        Set<MessageEcho> ours = new HashSet<>();
        echoes.forEach((page, byMessageId) -> {
            Map<String, MessageRecords.EchoTarget> targets = batch.guarded(List.copyOf(byMessageId.values()),
                    () -> messages.echoTargets(page, byMessageId.keySet())).orElse(Map.of());
            targets.forEach((messageId, target) -> {
                MessageEcho echo = byMessageId.get(messageId);
                ours.add(echo);
                if (target.echoRecorded()) {
                    return; // a redelivery: nothing to do
                }
                batch.start(List.of(echo), () -> {
                    boolean confirmed = (target.status() == null || !target.status().acceptedByFacebook())
                            && messages.confirmByEcho(page, messageId, echo.mid(), echo.psid(), at(echo));
                    if (!confirmed && target.status() != MessageStatus.READ) {
                        messages.stampByEcho(page, messageId, at(echo));
                    }
                    if (messages.recordEcho(new MessageRecords.Echo(page, messageId, echo.channel().fieldName(),
                            echo.timestamp(), echo.psid(), echo.mid(), echo.appId(), echo.text(), echo.attachmentsJson()),
                            clock.instant())) {
                        batch.echoes.incrementAndGet();
                        batch.recorded.incrementAndGet();
                    }
                });
            });
        });
        return ours;
    }

    /**
     * Starts the store calls a batch needs besides echoes, leaving out what the batch itself
     * makes redundant: per page, one delivery mark per Facebook message id of receipts without a
     * watermark; per user, one delivery receipt (its mids, the highest watermark) and the highest
     * read watermark; per contact, the proposals that may bind, in time order.
     */
    private void startEffects(List<WebhookEvent> events, Batch batch) {
        Map<String, Map<String, List<Delivery>>> deliveredMids = new LinkedHashMap<>();
        Map<String, DeliveryReceipt> deliveryReceipts = new LinkedHashMap<>();
        Map<String, Read> readUpTo = new LinkedHashMap<>();
        List<Proposal> proposals = new ArrayList<>();
        for (WebhookEvent event : events) {
            if (event instanceof Delivery delivery && delivery.watermark() != null && delivery.psid() != null) {
                deliveryReceipts.computeIfAbsent(delivery.pageId() + '\n' + delivery.psid(),
                        key -> new DeliveryReceipt(delivery.pageId(), delivery.psid())).add(delivery);
            } else if (event instanceof Delivery delivery) {
                Map<String, List<Delivery>> ofRecipient = deliveredMids.computeIfAbsent(
                        delivery.pageId() + '\n' + delivery.psid(), key -> new LinkedHashMap<>());
                delivery.mids().forEach(mid -> ofRecipient.computeIfAbsent(mid, m -> new ArrayList<>()).add(delivery));
            } else if (event instanceof Read read) {
                readUpTo.merge(read.pageId() + '\n' + read.psid(), read, (a, b) -> a.watermark() >= b.watermark() ? a : b);
            }
            rules.bindingFor(event).ifPresent(binding -> proposals.add(new Proposal(event, binding)));
        }

        deliveredMids.values().forEach(byMid -> byMid.forEach((mid, deliveries) -> {
            Delivery first = deliveries.get(0);
            batch.start(List.copyOf(deliveries), () -> batch.advanced.addAndGet(
                    messages.markDelivered(first.pageId(), first.psid(), List.of(mid), at(first))));
        }));
        deliveryReceipts.values().forEach(receipt -> batch.start(List.copyOf(receipt.events), () -> batch.advanced.addAndGet(
                messages.markDeliveryReceipt(receipt.pageId, receipt.psid, receipt.mids, receipt.watermark,
                        at(receipt.events.get(0))))));
        readUpTo.values().forEach(read -> batch.start(List.of(read), () -> batch.advanced.addAndGet(
                messages.markReadUpTo(read.pageId(), read.psid(), read.watermark(), at(read)))));
        startBindings(proposals, batch);
    }

    /** A PSID's delivery receipts of one batch with a watermark: their mids, and the highest watermark. */
    private static final class DeliveryReceipt {
        final String pageId;
        final String psid;
        final List<Delivery> events = new ArrayList<>();
        final Set<String> mids = new LinkedHashSet<>();
        long watermark;

        DeliveryReceipt(String pageId, String psid) {
            this.pageId = pageId;
            this.psid = psid;
        }

        void add(Delivery delivery) {
            events.add(delivery);
            mids.addAll(delivery.mids());
            watermark = Math.max(watermark, delivery.watermark());
        }
    }

    /** A binding an event proposes. */
    private record Proposal(WebhookEvent event, ContactBinding binding) {
    }

    /** How an admitted proposal is written. */
    private enum Write { REPLACE, IF_UNBOUND }

    private record Admitted(Proposal proposal, Write write) {
    }

    /**
     * Admits the proposals the binding rules allow (one batch read for the quick-reply offers and,
     * for taps on a live offer, one for the text quick-reply payloads, which never bind; one cached
     * secret read per page with refs), then writes them, one task per contact applying its
     * admitted proposals in time order.
     */
    private void startBindings(List<Proposal> proposals, Batch batch) {
        if (proposals.isEmpty()) {
            return;
        }
        List<Proposal> taps = proposals.stream().filter(p -> p.binding() instanceof ContactBinding.FromQuickReply).toList();
        Set<QuickReplyOffers.Offer> live = taps.isEmpty() ? Set.of() : batch.guarded(
                taps.stream().map(Proposal::event).toList(),
                () -> offers.live(taps.stream().map(WebhookEventProcessor::offerFor).toList(), clock.instant()))
                .orElse(null);
        // Facebook does not say which kind of quick reply was tapped: a payload this system sent the
        // PSID as a text quick reply's is the developer's data, whatever it looks like.
        List<Proposal> offeredTaps = live == null ? List.of()
                : taps.stream().filter(tap -> live.contains(offerFor(tap))).toList();
        Set<QuickReplyOffers.TextPayload> text = offeredTaps.isEmpty() ? Set.of() : batch.guarded(
                offeredTaps.stream().map(Proposal::event).toList(),
                () -> offers.offeredAsText(offeredTaps.stream().map(WebhookEventProcessor::textPayloadOf).toList(),
                        clock.instant()))
                .orElse(null);
        Map<String, Optional<PageSecrets>> pages = new LinkedHashMap<>();
        Map<String, List<Admitted>> byContact = new LinkedHashMap<>();
        for (Proposal proposal : proposals) {
            Optional<Write> write;
            if (proposal.binding() instanceof ContactBinding.FromQuickReply) {
                write = live != null && live.contains(offerFor(proposal))
                        && text != null && !text.contains(textPayloadOf(proposal))
                        ? Optional.of(Write.REPLACE) : Optional.empty();
            } else {
                String page = proposal.event().pageId();
                if (!pages.containsKey(page)) {
                    // A deferred lookup throws (transient): the batch answers 500 and Facebook redelivers it.
                    pages.put(page, batch.guarded(eventsOfPage(proposals, page),
                            () -> secrets.pageSecrets(page).decided()).orElse(null));
                }
                Optional<PageSecrets> secretsOfPage = pages.get(page);
                if (secretsOfPage == null) {
                    continue; // skipped: the page's secret was refused as an invalid request
                }
                write = refWrite((ContactBinding.FromRef) proposal.binding(), page, secretsOfPage, batch);
            }
            write.ifPresent(w -> byContact.computeIfAbsent(proposal.event().pageId() + '\n' + proposal.binding().contactKey(),
                    key -> new ArrayList<>()).add(new Admitted(proposal, w)));
        }
        byContact.values().forEach(proposed -> {
            proposed.sort(Comparator.comparingLong(a -> a.proposal().event().timestamp()));
            // A write followed by a newer one of the same kind that would win over it (any replacing
            // write; a conditional one for the same PSID) is redundant: the store would end the same.
            List<Admitted> admitted = new ArrayList<>();
            for (Admitted next : proposed) {
                Admitted last = admitted.isEmpty() ? null : admitted.get(admitted.size() - 1);
                if (last != null && last.write() == next.write() && (next.write() == Write.REPLACE
                        || last.proposal().binding().psid().equals(next.proposal().binding().psid()))) {
                    admitted.remove(admitted.size() - 1);
                }
                admitted.add(next);
            }
            batch.start(admitted.stream().map(a -> a.proposal().event()).toList(), () -> {
                for (Admitted a : admitted) {
                    WebhookEvent event = a.proposal().event();
                    ContactBinding binding = a.proposal().binding();
                    boolean bound = a.write() == Write.REPLACE
                            ? contacts.bind(event.pageId(), binding.contactKey(), binding.psid(), event.timestamp(), binding.source())
                            : contacts.bindIfUnbound(event.pageId(), binding.contactKey(), binding.psid(), event.timestamp(), binding.source());
                    if (bound) {
                        batch.bindings.incrementAndGet();
                    }
                }
            });
        });
    }

    /** A signed ref binds (replacing) when its signature is the page's; an unsigned one as {@code unsigned_refs} says. */
    private static Optional<Write> refWrite(ContactBinding.FromRef binding, String page, Optional<PageSecrets> secrets,
                                            Batch batch) {
        if (binding.ref().signed()) {
            if (secrets.isPresent() && binding.ref().verify(page, secrets.get().acceptedApiSecrets())) {
                return Optional.of(Write.REPLACE);
            }
            batch.refsRefused.incrementAndGet();
            return Optional.empty();
        }
        UnsignedRefPolicy policy = secrets.map(PageSecrets::unsignedRefs).orElse(UnsignedRefPolicy.FIRST);
        return switch (policy) {
            case FIRST -> Optional.of(Write.IF_UNBOUND);
            case LATEST -> Optional.of(Write.REPLACE);
            case NEVER -> Optional.empty();
        };
    }

    private static QuickReplyOffers.Offer offerFor(Proposal proposal) {
        ContactBinding.FromQuickReply tap = (ContactBinding.FromQuickReply) proposal.binding();
        return new QuickReplyOffers.Offer(proposal.event().pageId(), tap.psid(), tap.kind());
    }

    private static QuickReplyOffers.TextPayload textPayloadOf(Proposal proposal) {
        QuickReply tap = (QuickReply) proposal.event();
        return new QuickReplyOffers.TextPayload(tap.pageId(), tap.psid(), tap.payload());
    }

    private static List<WebhookEvent> eventsOfPage(List<Proposal> proposals, String page) {
        return proposals.stream().filter(p -> p.binding() instanceof ContactBinding.FromRef)
                .map(Proposal::event).filter(e -> e.pageId().equals(page)).toList();
    }

    private static Instant at(WebhookEvent event) {
        return Instant.ofEpochMilli(event.timestamp());
    }

    private static boolean isMessageId(String metadata) {
        return metadata != null && !metadata.isBlank() && metadata.indexOf('#') < 0
                && metadata.getBytes(StandardCharsets.UTF_8).length <= MESSAGE_ID_MAX_BYTES;
    }

    /**
     * One batch's tasks, tallies and skips. A task whose events are invalid in themselves is
     * recorded as skipped and ends normally; any other failure fails the batch. Nothing starts after
     * the deadline or after the batch was cancelled.
     */
    private final class Batch {
        final long deadline;
        final List<Future<?>> tasks = new ArrayList<>();
        final List<Skipped> skipped = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger recorded = new AtomicInteger();
        final AtomicInteger bindings = new AtomicInteger();
        final AtomicInteger echoes = new AtomicInteger();
        final AtomicInteger advanced = new AtomicInteger();
        final AtomicInteger refsRefused = new AtomicInteger();
        volatile boolean cancelled;

        Batch(long deadline) {
            this.deadline = deadline;
        }

        void start(List<WebhookEvent> events, Runnable effect) {
            tasks.add(executor.submit(() -> {
                if (cancelled) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    // Not a quiet skip: the batch must fail so Facebook redelivers what never ran.
                    throw SdkFailures.deadlinePassed("DynamoDB");
                }
                guarded(events, () -> {
                    effect.run();
                    return Boolean.TRUE;
                });
            }));
        }

        /**
         * Runs {@code action} now; empty (and the events skipped) when a store refused it as
         * invalid, or it failed with a bug of ours; any other dependency failure is thrown.
         */
        <T> Optional<T> guarded(List<WebhookEvent> events, Supplier<T> action) {
            try {
                return Optional.ofNullable(action.get());
            } catch (DependencyUnavailableException e) {
                if (!SdkFailures.invalidRequest(e)) {
                    throw e;
                }
                skip(events, e);
            } catch (RuntimeException e) {
                skip(events, e);
            }
            return Optional.empty();
        }

        void skip(List<WebhookEvent> events, RuntimeException failure) {
            skipped.add(new Skipped(events, failure));
        }

        void await() {
            try {
                for (Future<?> task : tasks) {
                    task.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } catch (TimeoutException e) {
                throw SdkFailures.unavailable("DynamoDB", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw SdkFailures.unavailable("DynamoDB", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException failure) {
                    throw failure;
                }
                throw SdkFailures.unavailable("DynamoDB", e.getCause());
            }
        }

        /** Nothing of this batch runs on: tasks not started never start, running ones are interrupted. */
        void cancel() {
            cancelled = true;
            tasks.forEach(task -> task.cancel(true));
        }
    }
}
