package ai.joinchat.push.bench;

import ai.joinchat.push.local.LocalMode;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * DynamoDB and SQS requests per message over its whole lifecycle, counted by proxies between the
 * functions and the backends: send (202) -> the worker delivers (sent) -> the page's echo ->
 * delivery receipt -> read receipt, one webhook POST per event, one message at a time. The waits
 * read the record directly from the backend, past the proxies, so they count nothing.
 */
final class Lifecycle {

    private static final Set<String> DYNAMODB_WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
            "TransactWriteItems");

    private final BenchOptions options;
    private final GraphStub graph;
    private final ApiClient api;
    private final List<CountingProxy> proxies;
    private final Report report;
    private final Payloads payloads;
    private final DynamoDbClient dynamo;
    private final String messagesTable;

    /** Assumed: the Messenger Send API's latency, which the worker's invocation waits for (the stub answers at once). */
    static final double FACEBOOK_LATENCY_SECONDS = 0.100;
    /** Assumed for the Secrets Manager line: one page sending 10 messages a second, one warm container per function. */
    static final double MESSAGES_PER_SECOND = 10;
    /** The status callbacks of a message's lifecycle: sent, delivered, read. */
    static final int CALLBACKS_PER_MESSAGE = 3;

    private final java.util.function.LongSupplier logBytes;
    /** Each function's MemorySize (--memory-size, or the template's own per function). */
    private final Map<String, Integer> memoryMb = new java.util.LinkedHashMap<>();
    private final long ttlSeconds;
    private final CallbackReceiver callbacks;
    private final ai.joinchat.push.local.FunctionProcess callbacksFunction;
    private final Map<String, ai.joinchat.push.local.FunctionProcess> functions = new java.util.LinkedHashMap<>();
    private final List<CpuShare> cpuShares = new java.util.ArrayList<>();

    Lifecycle(BenchOptions options, LocalMode localMode, GraphStub graph, ApiClient api, List<CountingProxy> proxies,
              Report report, java.util.function.LongSupplier logBytes, CallbackReceiver callbacks) {
        this.logBytes = logBytes;
        this.callbacks = callbacks;
        this.callbacksFunction = Bench.function(localMode, "callbacks");
        java.util.Map<String, String> environment = Bench.function(localMode, "send-api").definition().environment();
        for (String name : List.of("send-api", "worker", "webhook", "callbacks")) {
            functions.put(name, Bench.function(localMode, name));
            memoryMb.put(name, options.memoryMb() > 0 ? options.memoryMb()
                    : Bench.function(localMode, name).definition().memoryMb());
        }
        this.ttlSeconds = Long.parseLong(environment.getOrDefault("SECRET_CACHE_TTL_SECONDS", "300"));
        this.options = options;
        this.graph = graph;
        this.api = api;
        this.proxies = proxies;
        this.report = report;
        this.payloads = new Payloads(api.credentials().pageId());
        this.dynamo = Bench.clientsLikeTheFunctions(localMode.backends()).dynamoDb();
        this.messagesTable = Bench.function(localMode, "send-api").definition().environment().get("MESSAGES_TABLE");
    }

    /** The lifecycle's steps, in order; each request counted is charged to the step it happened in. */
    private static final List<String> STEPS = List.of("send + worker", "echo", "delivery", "read");

    private final Map<String, Map<String, Long>> perStep = new java.util.LinkedHashMap<>();
    private Map<String, Long> lastSnapshot = Map.of();
    private boolean counting;

    void measure() {
        // One message first so every function has fetched its secrets and is warm.
        followOneMessage();
        Scenarios.await("the warm-up message's callbacks", () -> callbacks.count() >= CALLBACKS_PER_MESSAGE);
        try {
            measureWarm();
        } finally {
            cpuShares.forEach(CpuShare::close);
        }
    }

    private void measureWarm() {
        if (options.lambdaCpu() && !options.ric()) { // under ric each JVM starts in its share
            functions.forEach((name, function) -> function.pid().ifPresent(pid -> {
                CpuShare share = CpuShare.of("lifecycle-" + name, memoryMb.get(name));
                cpuShares.add(share);
                share.add(pid);
            }));
        }
        Map<String, Long> billedBefore = billedMillis();
        proxies.forEach(CountingProxy::reset);
        lastSnapshot = snapshot();
        counting = true;
        int messages = options.lifecycleMessages();
        callbacks.reset();
        long streamBatchesBefore = callbacksFunction.invocations("aws:dynamodb");
        long queueBatchesBefore = callbacksFunction.invocations("aws:sqs");
        long logBefore = logBytes.getAsLong();
        Bench.progress("following " + messages + " messages through send, sent, echo, delivered, read...");
        for (int i = 0; i < messages; i++) {
            followOneMessage();
        }
        Scenarios.await("the lifecycle's callbacks", () -> callbacks.count() >= CALLBACKS_PER_MESSAGE * messages);
        double logPerMessage = (logBytes.getAsLong() - logBefore) / (double) messages;
        Map<String, Long> dynamoCounts = counts("DynamoDB");
        Map<String, Long> sqsCounts = counts("SQS");
        double writes = 0;
        double reads = 0;
        StringBuilder dynamoDetail = new StringBuilder();
        for (Map.Entry<String, Long> entry : dynamoCounts.entrySet()) {
            double perMessage = entry.getValue() / (double) messages;
            if (DYNAMODB_WRITES.contains(entry.getKey())) {
                writes += perMessage;
            } else {
                reads += perMessage;
            }
            dynamoDetail.append(dynamoDetail.length() == 0 ? "" : ", ").append(entry.getKey()).append(' ')
                    .append(String.format(Locale.ROOT, "%.1f", perMessage));
        }
        // Only the callbacks function sends batches (its announcements); the worker's SQS line leaves them out.
        double announcements = sqsCounts.getOrDefault("SendMessageBatch", 0L) / (double) messages;
        sqsCounts.remove("SendMessageBatch");
        double sqsRequests = 0;
        StringBuilder sqsDetail = new StringBuilder();
        for (Map.Entry<String, Long> entry : sqsCounts.entrySet()) {
            double perMessage = entry.getValue() / (double) messages;
            sqsRequests += perMessage;
            sqsDetail.append(sqsDetail.length() == 0 ? "" : ", ").append(entry.getKey()).append(' ')
                    .append(String.format(Locale.ROOT, "%.1f", perMessage));
        }
        for (String step : STEPS) {
            StringBuilder detail = new StringBuilder();
            perStep.getOrDefault(step, Map.of()).forEach((operation, count) -> detail.append(detail.length() == 0 ? "" : ", ")
                    .append(operation).append(' ').append(String.format(Locale.ROOT, "%.1f", count / (double) messages)));
            report.add("  requests per message in step '" + step + "'", detail.length() == 0 ? "none" : detail.toString(),
                    stepNote(step));
        }
        double writeUnits = 0;
        double readUnits = 0;
        StringBuilder unitDetail = new StringBuilder();
        for (Map.Entry<String, Double> entry : capacityUnits().entrySet()) {
            double perMessage = entry.getValue() / messages;
            if (DYNAMODB_WRITES.contains(entry.getKey())) {
                writeUnits += perMessage;
            } else {
                readUnits += perMessage;
            }
            unitDetail.append(unitDetail.length() == 0 ? "" : ", ").append(entry.getKey()).append(' ')
                    .append(String.format(Locale.ROOT, "%.2f", perMessage));
        }
        report.add("DynamoDB write / read requests per message (lifecycle)", String.format(Locale.ROOT, "%.1f / %.1f", writes, reads),
                dynamoDetail + "; " + messages + " messages");
        report.add("DynamoDB billed write / read units per message", String.format(Locale.ROOT, "%.2f / %.2f",
                writeUnits, readUnits), "as DynamoDB reports them (ReturnConsumedCapacity INDEXES): " + unitDetail
                + "; goal <= 8 write units");
        // The event source: one ReceiveMessage and one DeleteMessageBatch per batch; one message per batch here.
        double eventSourceSqs = 2;
        report.add("SQS requests per message", String.format(Locale.ROOT, "%.1f", sqsRequests + eventSourceSqs),
                sqsDetail + " from the functions; + ReceiveMessage and DeleteMessageBatch of the event source per batch "
                        + "(batches of one message at this rate; 0.2 at full batches of 10)");
        // Billed durations as Lambda bills them: the Runtime API's time from handing out each event to its
        // response, rounded up to the millisecond. The Graph stub answers at once; Facebook would not.
        Map<String, Long> billedAfter = billedMillis();
        Map<String, Double> seconds = new java.util.LinkedHashMap<>();
        billedAfter.forEach((name, millis) -> seconds.put(name, (millis - billedBefore.get(name)) / 1e3 / messages));
        double workerSeconds = seconds.get("worker") + FACEBOOK_LATENCY_SECONDS;
        double gbSeconds = (seconds.get("send-api") * memoryMb.get("send-api") + workerSeconds * memoryMb.get("worker")
                + seconds.get("webhook") * memoryMb.get("webhook")) / 1024.0;
        report.add("Lambda billed duration per message: send / worker / webhook / callbacks", String.format(Locale.ROOT,
                "%.1f / %.1f / %.1f / %.1f ms", seconds.get("send-api") * 1e3, workerSeconds * 1e3,
                seconds.get("webhook") * 1e3, seconds.get("callbacks") * 1e3), String.format(Locale.ROOT,
                "each invocation from the Runtime API handing out its event to its response, rounded up to the ms;"
                        + " the worker's includes an assumed %.0f ms of Facebook latency (the stub answers at once);"
                        + " MemorySize %s MB%s", FACEBOOK_LATENCY_SECONDS * 1e3, sizes(), options.lambdaCpu()
                        ? ", each function JVM on Lambda's CPU share of it (MemorySize / " + CpuShare.MB_PER_VCPU
                        + " MB of a core)" : ", each function JVM on the machine's full CPU (--lambda-cpu: Lambda's share)"));
        report.add("log bytes per message (all functions)", String.format(Locale.ROOT, "%.0f", logPerMessage),
                "their stdout lines over the lifecycle; Lambda's own START/REPORT lines are off (SystemLogLevel WARN)");
        double secretsCalls = 3.0 / (ttlSeconds * MESSAGES_PER_SECOND);
        Samples latency = callbacks.latencies();
        report.add("status callbacks: status change to arrival p50 / p99", Samples.millis(latency.p50()) + " / "
                + Samples.millis(latency.p99()), latency.count() + " callbacks (sent, delivered, read of each message):"
                + " the record's update time in the body to the receiver's clock; local mode polls the streams every"
                + " 250 ms and the callback queue with 1 s waits");
        double streamBatches = (callbacksFunction.invocations("aws:dynamodb") - streamBatchesBefore) / (double) messages;
        double queueBatches = (callbacksFunction.invocations("aws:sqs") - queueBatchesBefore) / (double) messages;
        Bill.Callbacks callbackRequests = new Bill.Callbacks(streamBatches + queueBatches,
                announcements + 2 * queueBatches, 1.0 / (ttlSeconds * MESSAGES_PER_SECOND),
                seconds.get("callbacks") * memoryMb.get("callbacks") / 1024.0);
        report.add("status callbacks: requests per message", String.format(Locale.ROOT,
                "%.1f invocations, %.1f SQS, %.4f Secrets Manager", callbackRequests.invocations(),
                callbackRequests.sqsRequests(), callbackRequests.secretsCalls()), String.format(Locale.ROOT,
                "invocations counted: %.1f stream batches that pass the filter + %.1f callback queue batches; SQS:"
                        + " SendMessageBatch %.1f counted + ReceiveMessage and DeleteMessageBatch of the queue's event"
                        + " source per batch; stream reads are free for Lambda; the page secret once per %d s TTL",
                streamBatches, queueBatches, announcements, ttlSeconds));
        new Bill(4, 5, gbSeconds, sqsRequests + eventSourceSqs, writeUnits, readUnits, secretsCalls, logPerMessage,
                callbackRequests).report(report, String.format(Locale.ROOT, "one webhook POST per event (Facebook "
                        + "batches under load: 1.3 requests and 2.3 invocations per message at full batches); Secrets"
                        + " Manager at 3 secrets per %d s TTL and %.0f messages/s", ttlSeconds, MESSAGES_PER_SECOND));
    }

    /** The MemorySize of each function, as "send-api / worker / webhook / callbacks" in that order. */
    private String sizes() {
        return memoryMb.values().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(" / "));
    }

    private Map<String, Long> billedMillis() {
        Map<String, Long> billed = new java.util.LinkedHashMap<>();
        functions.forEach((name, function) -> billed.put(name, function.billedMillis()));
        return billed;
    }

    private Map<String, Double> capacityUnits() {
        Map<String, Double> total = new TreeMap<>();
        for (CountingProxy proxy : proxies) {
            proxy.capacityUnits().forEach((operation, units) -> total.merge(operation, units, Double::sum));
        }
        return total;
    }

    private static String stepNote(String step) {
        return switch (step) {
            case "send + worker" -> "POST /api/send_message, then SQS to Graph until the record says sent (they overlap)";
            case "echo" -> "POST /webhook with the page's echo (metadata = message id)";
            case "delivery" -> "POST /webhook with delivery.mids";
            default -> "POST /webhook with read.watermark";
        };
    }

    private void followOneMessage() {
        String psid = Payloads.newPsid();
        String messageId = api.sendAccepted(payloads.textMessage(psid));
        Scenarios.await("the Graph call of " + messageId, () -> graph.call(messageId).isPresent());
        Scenarios.await("status sent of " + messageId, () -> "sent".equals(status(messageId)));
        step("send + worker");
        String mid = graph.call(messageId).orElseThrow().mid();
        api.webhookAccepted(payloads.webhook(payloads.echo(psid, mid, messageId, System.currentTimeMillis())));
        step("echo");
        api.webhookAccepted(payloads.webhook(payloads.delivery(psid, mid, System.currentTimeMillis())));
        step("delivery");
        api.webhookAccepted(payloads.webhook(payloads.read(psid, System.currentTimeMillis())));
        step("read");
        String last = status(messageId);
        if (!"read".equals(last)) {
            throw new IllegalStateException("message " + messageId + " ended " + last + ", not read");
        }
    }

    /** Charges the requests since the last step to {@code step} (service-prefixed operation names). */
    private void step(String step) {
        if (!counting) {
            return;
        }
        Map<String, Long> now = snapshot();
        Map<String, Long> charged = perStep.computeIfAbsent(step, key -> new TreeMap<>());
        now.forEach((operation, count) -> {
            long delta = count - lastSnapshot.getOrDefault(operation, 0L);
            if (delta != 0) {
                charged.merge(operation, delta, Long::sum);
            }
        });
        lastSnapshot = now;
    }

    private Map<String, Long> snapshot() {
        Map<String, Long> all = new TreeMap<>();
        for (CountingProxy proxy : proxies) {
            proxy.counts().forEach((operation, count) -> all.merge(proxy.service() + " " + operation, count, Long::sum));
        }
        return all;
    }

    private String status(String messageId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(messagesTable).consistentRead(true)
                .key(Map.of("message_id", AttributeValue.fromS(messageId)))).item();
        return item == null || !item.containsKey("status") ? null : item.get("status").s();
    }

    private Map<String, Long> counts(String service) {
        Map<String, Long> total = new TreeMap<>();
        for (CountingProxy proxy : proxies) {
            if (proxy.service().equals(service)) {
                proxy.counts().forEach((operation, count) -> total.merge(operation, count, Long::sum));
            }
        }
        return total;
    }
}
