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

    /** On-demand list prices, us-east-1, USD per million: write request units, read request units, SQS requests. */
    static final double DYNAMODB_WRITE_PER_MILLION = 0.625;
    static final double DYNAMODB_READ_PER_MILLION = 0.125;
    static final double SQS_PER_MILLION = 0.40;

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

    Lifecycle(BenchOptions options, LocalMode localMode, GraphStub graph, ApiClient api, List<CountingProxy> proxies,
              Report report) {
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
        proxies.forEach(CountingProxy::reset);
        lastSnapshot = snapshot();
        counting = true;
        int messages = options.lifecycleMessages();
        Bench.progress("following " + messages + " messages through send, sent, echo, delivered, read...");
        for (int i = 0; i < messages; i++) {
            followOneMessage();
        }
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
        double cost = writes * DYNAMODB_WRITE_PER_MILLION + reads * DYNAMODB_READ_PER_MILLION + sqsRequests * SQS_PER_MILLION;
        report.add("DynamoDB writes / reads per message (lifecycle)", String.format(Locale.ROOT, "%.1f / %.1f", writes, reads),
                dynamoDetail + "; " + messages + " messages; goal <= 6 writes");
        report.add("SQS requests per message (functions)", String.format(Locale.ROOT, "%.1f", sqsRequests),
                sqsDetail + "; plus the event source's ReceiveMessage and DeleteMessageBatch per batch");
        report.add("estimated cost per million messages", String.format(Locale.ROOT, "$%.2f", cost),
                String.format(Locale.ROOT, "on-demand list prices (us-east-1): $%.3f/M writes, $%.3f/M reads, $%.2f/M SQS"
                                + " requests; 1 unit per request (items < 1 KB; KEYS_ONLY index writes when keys change not included)",
                        DYNAMODB_WRITE_PER_MILLION, DYNAMODB_READ_PER_MILLION, SQS_PER_MILLION));
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
