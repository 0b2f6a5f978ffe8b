package ai.joinchat.push.bench;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.local.LocalMode;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/** The figures taken on one running local mode: latency and its floor, status, webhook, receipts, fan-out. */
final class Scenarios {

    private static final Duration WAIT_LIMIT = Duration.ofSeconds(60);

    private final BenchOptions options;
    private final GraphStub graph;
    private final ApiClient api;
    private final Report report;
    private final PrintStream console;
    private final Payloads payloads;
    private final DynamoDbClient dynamo;
    private final SqsClient sqs;
    private final String messagesTable;
    private final LocalMode localMode;
    private final ApiClient naive;

    /**
     * @param api   the product's HTTP API under this run's runtime
     * @param naive the naive peer's HTTP API (POST /api/send_message, POST /webhook) under the same runtime
     */
    Scenarios(BenchOptions options, LocalMode localMode, GraphStub graph, ApiClient api, ApiClient naive, Report report,
              PrintStream console) {
        this.options = options;
        this.graph = graph;
        this.api = api;
        this.naive = naive;
        this.report = report;
        this.console = console;
        this.payloads = new Payloads(api.credentials().pageId());
        // The functions' own AWS settings: through the TCP proxies under --runtime ric.
        AwsClientFactory clients = new AwsClientFactory(
                Bench.function(localMode, "send-api").definition().environment());
        this.dynamo = clients.dynamoDb();
        this.sqs = clients.configure(SqsClient.builder(), "SQS");
        this.messagesTable = Bench.function(localMode, "send-api").definition().environment().get("MESSAGES_TABLE");
        this.localMode = localMode;
    }

    /**
     * Warm send with 1 and 4 clients, and the floor in the same run: a no-work request through the
     * same gateway and runtime, a bare SQS SendMessage and a bare DynamoDB PutItem from this JVM
     * with the functions' client settings; and the naive peer's send. The floor, send and naive
     * requests are interleaved, one of each per round, so load from elsewhere on the machine hits
     * all alike.
     */
    void latencyAndFloor(UnderTest underTest) {
        String floorQueue = sqs.createQueue(r -> r.queueName("bench-floor")).queueUrl();
        Runnable noWork = () -> expect(api.undeclaredRoute().status(), 404, "undeclared route");
        Runnable sendMessage = () -> sqs.sendMessage(r -> r.queueUrl(floorQueue)
                .messageBody(payloads.textMessage(Payloads.newPsid())));
        Runnable putItem = () -> dynamo.putItem(r -> r.tableName(messagesTable).item(floorItem())
                .conditionExpression("attribute_not_exists(message_id)"));
        Runnable send = () -> api.sendAccepted(payloads.textMessage(Payloads.newPsid()));
        Runnable naiveSend = () -> naive.sendAccepted(payloads.textMessage(Payloads.newPsid()));
        Runnable hello = () -> expect(naive.hello().status(), 200, "hello-world");

        Bench.progress("warming up (" + options.warmup() + " rounds)...");
        for (int i = 0; i < options.warmup(); i++) {
            noWork.run();
            sendMessage.run();
            putItem.run();
            send.run();
            naiveSend.run();
            hello.run();
        }
        flushConsole();
        Bench.progress("send and floor, interleaved (" + options.iterations() + " rounds)...");
        int n = options.iterations();
        long[] noWorkNanos = new long[n];
        long[] sqsNanos = new long[n];
        long[] putNanos = new long[n];
        long[] floorNanos = new long[n];
        long[] sendNanos = new long[n];
        long[] naiveNanos = new long[n];
        long[] helloNanos = new long[n];
        long logBefore = underTest.sendApiLogBytes();
        long[] cpuBefore = underTest.cpuNanos();
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
            noWorkNanos[i] = time(noWork);
            sqsNanos[i] = time(sendMessage);
            putNanos[i] = time(putItem);
            floorNanos[i] = noWorkNanos[i] + sqsNanos[i] + putNanos[i];
            sendNanos[i] = time(send);
            naiveNanos[i] = time(naiveSend);
            helloNanos[i] = time(hello);
        }
        long wall = System.nanoTime() - started;
        long logPerSend = logBefore < 0 ? -1 : (underTest.sendApiLogBytes() - logBefore) / n;
        long[] cpuAfter = underTest.cpuNanos();
        Samples naiveSamples = Samples.of(naiveNanos, wall);
        Samples helloSamples = Samples.of(helloNanos, wall);
        Samples sendInterleaved = Samples.of(sendNanos, wall);
        Samples floor = Samples.of(floorNanos, wall);
        Samples noWorkSamples = Samples.of(noWorkNanos, wall);
        Samples sqsSamples = Samples.of(sqsNanos, wall);
        Samples putSamples = Samples.of(putNanos, wall);
        flushConsole();

        Bench.progress("send, 1 client (" + n + " requests)...");
        Samples oneClient = concurrent(1, n, send);
        flushConsole();
        Bench.progress("send, 4 clients (" + n + " requests)...");
        Samples fourClients = concurrent(4, n, send);
        flushConsole();

        report.add("send p50 / p99 / p99.9, 1 client", triple(oneClient), "sequential POST /api/send_message, " + n + " requests");
        report.add("send throughput, 1 client", rate(oneClient));
        report.add("send p50 / p99 / p99.9, 4 clients", triple(fourClients), "4 threads, " + n + " requests in all");
        report.add("send throughput, 4 clients", rate(fourClients),
                "local mode runs one invocation per function at a time");
        report.add("floor: no-work request p50 / p99", pair(noWorkSamples), "GET of an undeclared route, 404 from the send API");
        report.add("floor: bare SQS SendMessage p50 / p99", pair(sqsSamples), "SDK client with the functions' settings");
        report.add("floor: bare DynamoDB PutItem p50 / p99", pair(putSamples), "conditional put into the Messages table");
        report.add("floor: the three in sequence p50 / p99", pair(floor), "per-round sums");
        report.add("send (interleaved with floor) p50 / p99", pair(sendInterleaved), "same rounds as the floor");
        report.add("send / floor, p50", ratio(sendInterleaved.p50(), floor.p50()), "goal <= 1.3");
        report.add("send / floor, p99", ratio(sendInterleaved.p99(), floor.p99()), "goal <= 2 under --runtime ric");
        report.add("naive send (interleaved) p50 / p99", pair(naiveSamples),
                "PutItem then SendMessage, no guarantee; same runtime, same rounds");
        report.add("hello-world invocation (interleaved) p50 / p99", pair(helloSamples),
                "GET through a gateway to the hello-world handler: the runtime's per-invocation floor");
        report.add("naive / send, p50", ratio(naiveSamples.p50(), sendInterleaved.p50()), "goal >= 1.5 under --runtime ric");
        if (cpuBefore[0] >= 0 && cpuBefore[1] >= 0 && cpuBefore[2] >= 0) {
            report.add("JVM CPU per request: send / naive / hello-world", String.format(Locale.ROOT, "%.2f / %.2f / %.2f ms",
                    (cpuAfter[0] - cpuBefore[0]) / 1e6 / n, (cpuAfter[1] - cpuBefore[1]) / 1e6 / n,
                    (cpuAfter[2] - cpuBefore[2]) / 1e6 / n), "each function JVM's CPU time (all threads: handler, "
                    + "runtime client, C1, GC) over the interleaved rounds, per request");
        }
        if (logPerSend >= 0) {
            report.add("send API log bytes per send", Long.toString(logPerSend), "stdout + stderr of its JVM over the rounds");
        }
    }

    void messageStatus() {
        String messageId = api.sendAccepted(payloads.textMessage(Payloads.newPsid()));
        Runnable status = () -> expect(api.status(messageId).status(), 200, "message_status");
        for (int i = 0; i < options.warmup(); i++) {
            status.run();
        }
        Bench.progress("message_status (" + options.iterations() + " requests)...");
        Samples samples = concurrent(1, options.iterations(), status);
        flushConsole();
        report.add("message_status p50 / p99", pair(samples), "sequential, one known message");
    }

    /** 1,000 events in one signed POST: a third echoes, delivery receipts and referrals, every user new. */
    void webhookThousandEvents() {
        // Warm-up of the large-batch path; its first POSTs may time out on a loaded machine (C1 code, cold paths).
        for (int i = 0; i < 3; i++) {
            api.webhook(payloads.mixedWebhook(1000));
        }
        Bench.progress("1,000-event webhook (" + options.webhookRepeats() + " POSTs)...");
        long[] nanos = new long[options.webhookRepeats()];
        int refused = 0;
        for (int i = 0; i < nanos.length; i++) {
            String body = payloads.mixedWebhook(1000);
            int[] status = new int[1];
            nanos[i] = time(() -> status[0] = api.webhook(body).status());
            refused += status[0] == 200 ? 0 : 1;
        }
        flushConsole();
        Samples samples = Samples.of(nanos, 0);
        // A POST over the webhook's budget answers 500 (Facebook retries it): a figure, not a crash.
        report.add("1,000-event webhook POST, median / max", Samples.millis(samples.p50()) + " / "
                + Samples.millis(samples.percentileMillis(100)), nanos.length + " POSTs, 1/3 each echo, delivery, referral"
                + (refused == 0 ? "" : "; " + refused + " of them NOT answered 200 (over the webhook's budget)"));
        naive.webhook(payloads.mixedWebhook(1000)); // warm-up
        long naiveNanos = time(() -> naive.webhookAccepted(payloads.mixedWebhook(1000)));
        report.add("naive 1,000-event webhook POST", Samples.millis(naiveNanos / 1e6), String.format(Locale.ROOT,
                "one PutItem per event in order; ours / naive %.2f (goal <= 0.2)", samples.p50() / (naiveNanos / 1e6)));
    }

    /**
     * A read receipt for a user with {@code historySize} earlier messages (already read, seeded with
     * BatchWriteItem) and one new sent message, against the same receipt for a user with one message.
     */
    void readReceiptOverHistory() {
        String pageId = api.credentials().pageId();
        String veteran = Payloads.newPsid();
        Bench.progress("seeding " + options.historySize() + " earlier messages of one user...");
        long base = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
        seedHistory(pageId, veteran, options.historySize(), base);
        int trials = Math.max(3, options.webhookRepeats());
        ReceiptTrials veteranTrials = new ReceiptTrials(trials);
        ReceiptTrials newcomerTrials = new ReceiptTrials(trials);
        Bench.progress("read receipts, " + trials + " each for that user and for new users...");
        for (int i = 0; i < trials; i++) {
            timeReadReceipt(pageId, veteran, veteranTrials, i);
            timeReadReceipt(pageId, Payloads.newPsid(), newcomerTrials, i);
        }
        flushConsole();
        report.add("read receipt, user with " + options.historySize() + " earlier messages, median",
                Samples.millis(veteranTrials.samples().p50()), trials + " receipts, each for 1 new message; "
                        + veteranTrials.outcome());
        report.add("read receipt, user with no history, median", Samples.millis(newcomerTrials.samples().p50()),
                newcomerTrials.outcome() + "; ratio " + ratio(veteranTrials.samples().p50(), newcomerTrials.samples().p50()));
    }

    /** Read receipt timings, and how many did not answer 200 or did not move the new message. */
    private static final class ReceiptTrials {
        final long[] nanos;
        int failedAnswers;
        int notMoved;
        String firstFailure;

        ReceiptTrials(int trials) {
            nanos = new long[trials];
        }

        Samples samples() {
            return Samples.of(nanos, 0);
        }

        String outcome() {
            return failedAnswers == 0 && notMoved == 0 ? "all answered 200 and moved the message"
                    : failedAnswers + " answered " + firstFailure + ", " + notMoved + " left the message unread";
        }
    }

    /** A batch of 10 distinct recipients at a set Graph latency: the worker's fan-out against one call. */
    void graphFanOut() {
        graph.setLatency(options.graphLatency());
        try {
            int trials = 3;
            long[] spans = new long[trials];
            int maxInFlight = 0;
            for (int t = 0; t < trials; t++) {
                graph.resetMaxInFlight();
                // One batch of ten, as Lambda hands the worker ten visible messages (local mode's event
                // source would split messages that arrive one by one into smaller batches).
                List<String> ids = new ArrayList<>();
                List<String> bodies = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    String messageId = "bench-fanout-" + Payloads.newMid();
                    String psid = Payloads.newPsid();
                    dynamo.putItem(r -> r.tableName(messagesTable).item(pendingItem(messageId, psid)));
                    ids.add(messageId);
                    bodies.add(queuedBody(messageId, psid));
                }
                try {
                    Bench.function(localMode, "worker").invoke(WorkerEvents.batch(bodies)).get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the worker did not answer the batch", e);
                }
                await("10 Graph calls", () -> graph.calls(ids).size() == ids.size());
                List<GraphStub.Call> calls = graph.calls(ids);
                long first = calls.stream().mapToLong(GraphStub.Call::arrivedNanos).min().orElseThrow();
                long last = calls.stream().mapToLong(GraphStub.Call::answeredNanos).max().orElseThrow();
                spans[t] = last - first;
                maxInFlight = Math.max(maxInFlight, graph.maxInFlight());
            }
            flushConsole();
            Samples samples = Samples.of(spans, 0);
            report.add("10 recipients at " + options.graphLatency().toMillis() + " ms Graph latency, median span",
                    Samples.millis(samples.p50()), "first Graph request to last answer; "
                            + ratio(samples.p50(), options.graphLatency().toMillis()) + "x one call; most in flight "
                            + maxInFlight + "; goal <= 1.3x");
        } finally {
            graph.setLatency(Duration.ZERO);
        }
    }

    /**
     * A burst of 200 messages to a page Facebook (the stub) limits to 20 calls a second: the worker
     * paces the page instead of sending into the limit, so the last delivery should come close to
     * 200 / 20 = 10 s after the first send.
     */
    void burstAboveRate() {
        int total = 200;
        double perSecond = 20;
        String pageId = api.credentials().pageId();
        graph.limitRate(pageId, perSecond);
        try {
            Bench.progress("burst of " + total + " to a page limited to " + (int) perSecond + " calls/s...");
            List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
            int throttledBefore = graph.throttled();
            int takenAgainBefore = graph.takenAgain();
            long started = System.nanoTime();
            concurrent(8, total, () -> ids.add(api.sendAccepted(payloads.textMessage(Payloads.newPsid()))));
            await(total + " deliveries of the burst", () -> graph.calls(ids).size() == total);
            long last = graph.calls(ids).stream().mapToLong(GraphStub.Call::answeredNanos).max().orElseThrow();
            flushConsole();
            double seconds = (last - started) / 1e9;
            double ideal = total / perSecond;
            String line = String.format(Locale.ROOT, "last delivery %.1f s for %d at %.0f/s = ratio %.2f (goal <= 1.2)",
                    seconds, total, perSecond, seconds / ideal);
            Bench.progress("burst above rate: " + line);
            report.add("burst above rate", String.format(Locale.ROOT, "%.2f", seconds / ideal), line + "; "
                    + (graph.throttled() - throttledBefore) + " calls answered 613; "
                    + (graph.takenAgain() - takenAgainBefore) + " taken twice");
        } finally {
            graph.limitRate(pageId, 0);
        }
    }

    /** The record the send API leaves for a message SQS took (the worker may send it at once). */
    private Map<String, AttributeValue> pendingItem(String messageId, String psid) {
        String now = Instant.now().toString();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("message_id", AttributeValue.fromS(messageId));
        item.put("page_id", AttributeValue.fromS(api.credentials().pageId()));
        item.put("recipient_type", AttributeValue.fromS("id"));
        item.put("recipient_value", AttributeValue.fromS(psid));
        item.put("template_type", AttributeValue.fromS("text"));
        item.put("status", AttributeValue.fromS("pending"));
        item.put("attempts", AttributeValue.fromN("0"));
        item.put("created_at", AttributeValue.fromS(now));
        item.put("updated_at", AttributeValue.fromS(now));
        item.put("warnings", AttributeValue.fromL(List.of()));
        item.put("expires_at", AttributeValue.fromN(Long.toString(System.currentTimeMillis() / 1000 + 86_400)));
        return item;
    }

    /** The queued message the send API would have sent to SQS for it. */
    private String queuedBody(String messageId, String psid) {
        Instant now = Instant.now();
        return new ai.joinchat.push.queue.QueuedMessage(messageId, api.credentials().pageId(),
                new ai.joinchat.push.request.Recipient(ai.joinchat.push.request.RecipientType.ID, psid),
                new ai.joinchat.push.message.OutboundMessage.TextMessage("fan-out", List.of()), "UPDATE",
                null, List.of(), now, now.plusSeconds(10), null, null, null).toJson();
    }

    private void timeReadReceipt(String pageId, String psid, ReceiptTrials trials, int trial) {
        long sentAt = System.currentTimeMillis() - 1000;
        String messageId = "bench-unread-" + Payloads.newMid();
        Map<String, AttributeValue> item = historyItem(pageId, psid, messageId, "sent", sentAt);
        dynamo.putItem(r -> r.tableName(messagesTable).item(item));
        String body = payloads.webhook(payloads.read(psid, System.currentTimeMillis()));
        long started = System.nanoTime();
        ApiClient.Answer answer = api.webhook(body);
        trials.nanos[trial] = System.nanoTime() - started;
        if (answer.status() != 200) {
            trials.failedAnswers++;
            if (trials.firstFailure == null) {
                trials.firstFailure = Integer.toString(answer.status());
            }
        }
        String status = dynamo.getItem(r -> r.tableName(messagesTable).consistentRead(true)
                .key(Map.of("message_id", AttributeValue.fromS(messageId)))).item().get("status").s();
        if (!"read".equals(status)) {
            trials.notMoved++;
        }
    }

    private void seedHistory(String pageId, String psid, int count, long base) {
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int from = 0; from < count; from += 25) {
                int start = from;
                int end = Math.min(count, from + 25);
                writes.add(writers.submit(() -> {
                    List<WriteRequest> puts = new ArrayList<>();
                    for (int i = start; i < end; i++) {
                        puts.add(WriteRequest.builder().putRequest(PutRequest.builder().item(historyItem(pageId, psid,
                                "bench-history-" + psid + "-" + i, "read", base - i)).build()).build());
                    }
                    Map<String, List<WriteRequest>> unprocessed = Map.of(messagesTable, puts);
                    while (!unprocessed.isEmpty()) {
                        Map<String, List<WriteRequest>> batch = unprocessed;
                        unprocessed = dynamo.batchWriteItem(r -> r.requestItems(batch)).unprocessedItems();
                    }
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("seeding the history failed", e);
        } finally {
            writers.shutdownNow();
        }
    }

    /** A delivery record as the worker leaves it after a send (the fields the receipts look at). */
    private static Map<String, AttributeValue> historyItem(String pageId, String psid, String messageId, String status,
                                                           long sentAtMillis) {
        Map<String, AttributeValue> item = new HashMap<>();
        String at = Instant.ofEpochMilli(sentAtMillis).toString();
        item.put("message_id", AttributeValue.fromS(messageId));
        item.put("page_id", AttributeValue.fromS(pageId));
        item.put("recipient_type", AttributeValue.fromS("id"));
        item.put("recipient_value", AttributeValue.fromS(psid));
        item.put("psid", AttributeValue.fromS(psid));
        if (!"read".equals(status)) {
            // As the webhook leaves them: awaiting delivery under #d, delivered under #r, read out of the index.
            item.put("recipient_psid_key", AttributeValue.fromS(pageId + "#" + psid + ("sent".equals(status) ? "#d" : "#r")));
        }
        item.put("template_type", AttributeValue.fromS("text"));
        item.put("status", AttributeValue.fromS(status));
        item.put("attempts", AttributeValue.fromN("1"));
        item.put("created_at", AttributeValue.fromS(at));
        item.put("updated_at", AttributeValue.fromS(at));
        item.put("sent_at", AttributeValue.fromN(Long.toString(sentAtMillis)));
        item.put("facebook_message_id", AttributeValue.fromS("m_" + messageId));
        item.put("warnings", AttributeValue.fromL(List.of()));
        item.put("expires_at", AttributeValue.fromN(Long.toString(sentAtMillis / 1000 + 86_400 * 30)));
        return item;
    }

    private Map<String, AttributeValue> floorItem() {
        return pendingItem("bench-floor-" + Payloads.newMid(), Payloads.newPsid());
    }

    /** {@code total} calls spread over {@code clients} threads; every call's latency and the wall time. */
    static Samples concurrent(int clients, int total, Runnable call) {
        long[] nanos = new long[total];
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> futures = new ArrayList<>();
            long started = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    for (int i = client; i < total; i += clients) {
                        nanos[i] = time(call);
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
            return Samples.of(nanos, System.nanoTime() - started);
        } catch (Exception e) {
            throw new IllegalStateException("a benchmark client failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    static long time(Runnable call) {
        long started = System.nanoTime();
        call.run();
        return System.nanoTime() - started;
    }

    static void await(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + WAIT_LIMIT.toSeconds() + " s for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    private static void expect(int status, int expected, String what) {
        if (status != expected) {
            throw new IllegalStateException(what + " answered " + status + ", expected " + expected);
        }
    }

    private void flushConsole() {
        console.flush();
    }

    static String triple(Samples samples) {
        return Samples.millis(samples.p50()) + " / " + Samples.millis(samples.p99()) + " / " + Samples.millis(samples.p999());
    }

    static String pair(Samples samples) {
        return Samples.millis(samples.p50()) + " / " + Samples.millis(samples.p99());
    }

    static String rate(Samples samples) {
        return String.format(Locale.ROOT, "%.0f req/s", samples.perSecond());
    }

    static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2f", a / b);
    }
}
