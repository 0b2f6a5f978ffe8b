package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.testing.InMemoryContactBindings;
import ai.joinchat.push.testing.InMemoryMessageRecords;
import ai.joinchat.push.testing.RecordingOffers;
import ai.joinchat.push.webhook.WebhookEvent.Channel;
import ai.joinchat.push.webhook.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.WebhookEvent.Read;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.WebhookEvent.UnknownEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one batch asks of the stores: every effect once, nothing the batch itself makes redundant. */
class WebhookEventProcessorTest {

    private final Fakes.Records records = new Fakes.Records();
    private final InMemoryContactBindings bindings = new InMemoryContactBindings();
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    /** Message ids "a" and "b" of page 1 and "x" of page 2 exist; "b" was echoed already. */
    private final InMemoryMessageRecords messages = new InMemoryMessageRecords() {
        {
            putQueued("1", "a");
            putQueued("1", "b");
            putQueued("2", "x");
        }

        @Override
        public Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds, Deadline deadline) {
            calls.add("targets " + pageId + " " + messageIds);
            return "1".equals(pageId)
                    ? Map.of("a", new EchoTarget(MessageStatus.QUEUED, false), "b", new EchoTarget(MessageStatus.SENT, true))
                    : Map.of("x", new EchoTarget(MessageStatus.SENT, false));
        }
    };

    private final WebhookEventProcessor processor = processor(new RecordingOffers(), pool);

    private WebhookEventProcessor processor(QuickReplyOffers offers, ExecutorService executor) {
        return new WebhookEventProcessor(records, messages, bindings,
                new BindingAdmission(new SecretsProvider(id -> Optional.empty(), "joinchat/pages/", "joinchat/app",
                        new JsonLogger("secrets", "WARN")), offers, Clock.systemUTC()),
                executor);
    }

    private static Deadline in(long millis) {
        return Deadline.in(Duration.ofMillis(millis));
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static MessageEcho echo(String page, String mid, String metadata, long at) {
        return new MessageEcho(page, Channel.MESSAGING, "42", mid, "1", metadata, "hi", null, at);
    }

    @Test
    void echoesAreCheckedWithOneBatchReadPerPageAndOnlyUnechoedMessagesAreMarked() {
        WebhookEventProcessor.Outcome outcome = processor.process(List.of(
                echo("1", "m1", "a", 10), echo("1", "m2", "a", 5), echo("1", "m3", "b", 11),
                echo("1", "m4", "nope", 12), echo("1", "m5", null, 13), echo("2", "m6", "x", 14)), in(5000));

        // m1, m4 and m5 as events; m2 (the first echo of a) and m6 next to their messages; m3 was recorded before.
        assertEquals(5, outcome.recorded());
        assertEquals(2, outcome.echoesMatched());
        assertEquals(Set.of("targets 1 [a, b, nope]", "targets 2 [x]", "confirmed 1 a 5", "stamped 2 x 14"),
                Set.copyOf(messages.calls), "the first echo's time; only a message not recorded sent is confirmed,"
                        + " a sent one gets the echo's Facebook timestamp");
        assertEquals(4, messages.calls.size());
        assertEquals(Set.of("m1", "m4", "m5"), records.recorded.stream()
                .map(e -> ((MessageEcho) e).mid()).collect(java.util.stream.Collectors.toSet()));
        assertEquals(Set.of("m2", "m6"), messages.echoes.values().stream().map(MessageRecords.Echo::mid)
                .collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void onlyTheHighestWatermarkPerUserAndEachMidOnceAreApplied() {
        processor.process(List.of(
                new Read("1", Channel.MESSAGING, "42", 100, 101),
                new Read("1", Channel.MESSAGING, "42", 300, 301),
                new Read("1", Channel.MESSAGING, "42", 200, 201),
                new Read("1", Channel.MESSAGING, "43", 50, 51),
                new Delivery("1", Channel.MESSAGING, "42", List.of("m1", "m2"), 90L, 91),
                new Delivery("1", Channel.MESSAGING, "42", List.of("m2", "m3"), 95L, 96)), in(5000));

        // One receipt per user: its mids once each and the highest watermark (the store's default
        // markDeliveryReceipt marks both).
        assertEquals(Set.of("read-up-to 1 42 300", "read-up-to 1 43 50", "delivered-up-to 1 42 95",
                        "delivered 1 [m1, m2, m3]"),
                Set.copyOf(messages.calls));
        assertEquals(4, messages.calls.size());
    }

    @Test
    void onlyTheNewestBindingOfAContactIsWritten() {
        RecordingOffers everyOfferLive = new RecordingOffers();
        everyOfferLive.all = true;
        WebhookEventProcessor processor = processor(everyOfferLive, pool);
        WebhookEventProcessor.Outcome outcome = processor.process(List.of(
                new QuickReply("1", Channel.MESSAGING, "42", "m1", "a@b.co", 300),
                new QuickReply("1", Channel.MESSAGING, "43", "m2", "A@B.CO", 500),
                new QuickReply("1", Channel.MESSAGING, "44", "m3", "a@b.co", 400),
                new QuickReply("2", Channel.MESSAGING, "45", "m4", "a@b.co", 100)), in(5000));

        assertEquals(2, outcome.bindings());
        assertEquals("43", bindings.psidFor("1", "email:a@b.co").orElseThrow());
        assertEquals("45", bindings.psidFor("2", "email:a@b.co").orElseThrow());
    }

    @Test
    void unknownEventsAndDuplicatesCostNothing() {
        Read read = new Read("1", Channel.MESSAGING, "42", 100, 101);
        WebhookEventProcessor.Outcome outcome = processor.process(List.of(read, read,
                new UnknownEvent("1", Channel.MESSAGING, "reaction", 5)), in(5000));
        assertEquals(1, outcome.recorded());
        assertEquals(List.of(read), records.recorded);
        assertEquals(List.of("read-up-to 1 42 100"), messages.calls);
    }

    @Test
    void aFailingEffectFailsTheBatch() {
        bindings.failure = new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
        assertThrows(DependencyUnavailableException.class, () -> processor.process(List.of(
                new Referral("1", Channel.MESSAGING, false, "42", null, "uuid=a", null, null, null, null, null, null, 300)), in(5000)));
        assertTrue(records.recorded.size() <= 1);
    }

    @Test
    void workPendingAtTheDeadlineIsCancelledNotLeftRunning() throws InterruptedException {
        bindings.delayMillis = 2000;
        WebhookEventProcessor hurried = processor;
        List<WebhookEvent> referrals = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            referrals.add(new Referral("1", Channel.MESSAGING, false, "4" + i, null, "uuid=late-" + i, null, null, null,
                    null, null, null, 300 + i));
        }
        DependencyUnavailableException e = assertThrows(DependencyUnavailableException.class, 
                () -> hurried.process(referrals, in(100)));
        assertTrue(e.isTransient());
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
        // Only what was already running on the pool's 4 threads (the record task among them) finished.
        assertTrue(bindings.bound.size() <= 4, "bindings after the deadline: " + bindings.bound.size());
    }

    /** Tasks that only get a thread after the deadline must fail the batch, not vanish from it. */
    @Test
    void workThatCouldNotStartBeforeTheDeadlineFailsTheBatch() {
        java.util.concurrent.AbstractExecutorService late = new java.util.concurrent.AbstractExecutorService() {
            @Override
            public void execute(Runnable task) {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                task.run();
            }

            @Override public void shutdown() { }
            @Override public List<Runnable> shutdownNow() { return List.of(); }
            @Override public boolean isShutdown() { return false; }
            @Override public boolean isTerminated() { return false; }
            @Override public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) { return true; }
        };
        WebhookEventProcessor starved = processor(new RecordingOffers(), late);
        DependencyUnavailableException e = assertThrows(DependencyUnavailableException.class, () -> starved.process(List.of(
                new Referral("1", Channel.MESSAGING, false, "42", null, "uuid=a", null, null, null, null, null, null, 300)), in(100)));
        assertTrue(e.isTransient());
        assertTrue(records.recorded.isEmpty(), "nothing ran after the deadline");
    }
}
