package ai.joinchat.push.local.lambda;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.template.DynamoDbStreamEventSource;
import ai.joinchat.push.local.aws.template.ProvisionedQueue;
import ai.joinchat.push.local.aws.template.ProvisionedStack;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Emulates Lambda's DynamoDB Streams event source mapping, for tests and local mode: reads every
 * shard of a table's stream (parents before children, from {@code StartingPosition}), drops the
 * records no {@code FilterCriteria} pattern matches ({@link EventFilter}), hands the others to the
 * function in batches of up to {@code BatchSize} as the event JSON Lambda builds, and honours the
 * outcome the way Lambda does:
 * <ul>
 * <li>a response whose {@code batchItemFailures} names sequence numbers (with
 *     {@code ReportBatchItemFailures}): the records before the lowest one are done, and the batch
 *     is retried from it;</li>
 * <li>a function error (or no answer, e.g. a killed function): the batch is retried; with
 *     {@code BisectBatchOnFunctionError} it is first split in halves, down to one record;</li>
 * <li>after {@code MaximumRetryAttempts} retries, the records still failing are skipped and an
 *     invocation record ({@code requestContext}, {@code responseContext},
 *     {@code DDBStreamBatchInfo}) goes to the {@code OnFailure} queue.</li>
 * </ul>
 * Records of a shard reach the function in stream order, one batch at a time. As with Lambda, a
 * {@code batchItemFailures} entry whose {@code itemIdentifier} is empty or not in the batch, or a
 * response that is not JSON, fails the whole batch; without {@code ReportBatchItemFailures} the
 * response is ignored.
 *
 * <p>Deviations from AWS: one thread reads the shards in turn, so at most one batch of the whole
 * stream is in the function (AWS runs one per shard at once); retries wait 250 ms doubling to 30 s
 * (AWS's backoff is not specified); after a bisected half succeeds the next batch is full size
 * again rather than the other half alone; {@code MaximumRecordAgeInSeconds},
 * {@code ParallelizationFactor}, {@code TumblingWindowInSeconds} and the 6 MB payload limit are
 * not emulated; positions live in memory (like the embedded DynamoDB Local's data); records carry
 * the stack's region as {@code awsRegion} and DynamoDB Local's stream ARN as {@code eventSourceARN}.
 */
public final class DynamoDbStreamEventSourcePoller implements AutoCloseable {

    /** Lambda polls a shard four times a second. */
    private static final Duration IDLE_WAIT = Duration.ofMillis(250);
    /** How often new shards are looked for (DynamoDB starts one about every four hours). */
    private static final Duration SHARD_REFRESH = Duration.ofSeconds(5);
    private static final Duration FIRST_RETRY_WAIT = Duration.ofMillis(250);
    private static final Duration LONGEST_RETRY_WAIT = Duration.ofSeconds(30);
    private static final String LOCAL_ACCOUNT_ID = "000000000000";

    private final DynamoDbStreamsClient streams;
    private final SqsClient sqs;
    private final DynamoDbStreamEventSource source;
    private final String streamArn;
    private final String region;
    private final String functionArn;
    private final Optional<ProvisionedQueue> onFailure;
    private final EventFilter filter;
    private final Function<byte[], byte[]> invoker;
    private final JsonLogger logger;

    /** Shards being read, by id, in the order they were found. */
    private final Map<String, ShardReader> shards = new LinkedHashMap<>();
    private final Set<String> finishedShards = new HashSet<>();
    private boolean positioned;
    private Instant shardsRefreshedAt = Instant.MIN;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param stack        the provisioned stack with the source's table (and its OnFailure queue)
     * @param functionName the function's name, for the OnFailure record's {@code functionArn}
     * @param invoker      the function: event JSON in, response JSON out (may be empty); an
     *                     exception is a function error
     */
    public DynamoDbStreamEventSourcePoller(DynamoDbStreamsClient streams, SqsClient sqs, ProvisionedStack stack,
                                           String functionName, DynamoDbStreamEventSource source,
                                           Function<byte[], byte[]> invoker, JsonLogger logger) {
        if (source.batchSize() < 1 || source.batchSize() > 10_000) {
            throw new IllegalArgumentException("BatchSize must be 1 to 10000");
        }
        this.streams = streams;
        this.sqs = sqs;
        this.source = source;
        this.streamArn = stack.streamArn(source.tableLogicalId());
        this.region = stack.region();
        this.functionArn = "arn:aws:lambda:" + region + ":" + LOCAL_ACCOUNT_ID + ":function:" + functionName;
        this.onFailure = source.onFailureQueueLogicalId().map(stack::queue);
        this.filter = new EventFilter(source.filterPatterns());
        this.invoker = invoker;
        this.logger = logger;
    }

    public String streamArn() {
        return streamArn;
    }

    /**
     * Takes the starting positions now (so {@code LATEST} means records written after this call)
     * and polls on a daemon thread until {@link #close()}.
     */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        refreshShards();
        running = true;
        thread = DaemonThreads.factory("dynamodb-stream-event-source-" + source.tableLogicalId()).newThread(this::loop);
        thread.start();
    }

    /** Stops polling, after the batch in the function (if any) is settled. */
    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    private void loop() {
        while (running) {
            boolean invoked = false;
            try {
                invoked = pollOnce();
            } catch (RuntimeException e) {
                logger.warn("dynamodb_stream_event_source_poll_failed").with("stream_arn", streamArn).with(e).write();
            }
            if (!invoked) {
                try {
                    Thread.sleep(IDLE_WAIT.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One round: reads each shard that may be read, and invokes the function with at most one batch per shard. */
    boolean pollOnce() {
        if (Instant.now().isAfter(shardsRefreshedAt.plus(SHARD_REFRESH))) {
            refreshShards();
        }
        boolean invoked = false;
        for (ShardReader shard : List.copyOf(shards.values())) {
            String parent = shard.parentId;
            if (parent != null && shards.containsKey(parent)) {
                continue; // the parent's records come first
            }
            shard.read();
            invoked |= shard.invokeWhenReady();
            if (shard.iterator == null && shard.pending.isEmpty()) {
                shards.remove(shard.id);
                finishedShards.add(shard.id);
                shardsRefreshedAt = Instant.MIN; // its children, at once
            }
        }
        return invoked;
    }

    /** Finds new shards; the first time, each starts at StartingPosition, later ones at their beginning. */
    private void refreshShards() {
        String after = null;
        do {
            String exclusiveStart = after;
            StreamDescription stream = streams.describeStream(b -> b.streamArn(streamArn).exclusiveStartShardId(exclusiveStart))
                    .streamDescription();
            for (Shard shard : stream.shards()) {
                if (shards.containsKey(shard.shardId()) || finishedShards.contains(shard.shardId())) {
                    continue;
                }
                boolean closed = shard.sequenceNumberRange() != null
                        && shard.sequenceNumberRange().endingSequenceNumber() != null;
                if (!positioned && "LATEST".equals(source.startingPosition()) && closed) {
                    finishedShards.add(shard.shardId()); // LATEST: nothing written before the mapping
                    continue;
                }
                ShardIteratorType start = !positioned && "LATEST".equals(source.startingPosition())
                        ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON;
                ShardReader reader = new ShardReader(shard.shardId(), shard.parentShardId(), start);
                reader.iterator = reader.iterator(null);
                shards.put(shard.shardId(), reader);
            }
            after = stream.lastEvaluatedShardId();
        } while (after != null);
        positioned = true;
        shardsRefreshedAt = Instant.now();
    }

    /** A record read from the stream and matched by the filter. */
    private record Pending(Record record, ObjectNode json) {
        String sequenceNumber() {
            return record.dynamodb().sequenceNumber();
        }
    }

    private sealed interface Outcome {
        record Succeeded() implements Outcome { }

        /** The records from {@code firstFailed} on failed; the response itself was fine. */
        record PartlyFailed(int firstFailed) implements Outcome { }

        record Failed() implements Outcome { }
    }

    private final class ShardReader {
        final String id;
        final String parentId;
        final ShardIteratorType startingPoint;
        /** Null once a closed shard is read to its end. */
        String iterator;
        String lastSequenceNumber;
        final Deque<Pending> pending = new ArrayDeque<>();
        Instant firstPendingReadAt;
        /** Failed invocations with the records now at the head of {@link #pending}. */
        int failures;
        /** BatchSize, or less while bisecting. */
        int batchLimit = source.batchSize();
        Instant retryAt = Instant.MIN;

        ShardReader(String id, String parentId, ShardIteratorType startingPoint) {
            this.id = id;
            this.parentId = parentId;
            this.startingPoint = startingPoint;
        }

        String iterator(String afterSequenceNumber) {
            return streams.getShardIterator(b -> {
                b.streamArn(streamArn).shardId(id);
                if (afterSequenceNumber == null) {
                    b.shardIteratorType(startingPoint);
                } else {
                    b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(afterSequenceNumber);
                }
            }).shardIterator();
        }

        void read() {
            if (iterator == null || pending.size() >= source.batchSize()) {
                return;
            }
            GetRecordsResponse response;
            try {
                response = streams.getRecords(b -> b.shardIterator(iterator).limit(1000));
            } catch (ExpiredIteratorException expired) {
                iterator = iterator(lastSequenceNumber); // a batch retried for longer than an iterator lives
                response = streams.getRecords(b -> b.shardIterator(iterator).limit(1000));
            } catch (TrimmedDataAccessException trimmed) {
                // DynamoDB Local (not AWS) says this of an iterator taken on a still-empty shard once records
                // arrive, and then of every iterator chained from it: nothing was ever trimmed, so read the
                // shard again after the last record read, or from its beginning when none was.
                iterator = lastSequenceNumber != null ? iterator(lastSequenceNumber) : streams.getShardIterator(b -> b
                        .streamArn(streamArn).shardId(id).shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                response = streams.getRecords(b -> b.shardIterator(iterator).limit(1000));
            }
            for (Record record : response.records()) {
                lastSequenceNumber = record.dynamodb().sequenceNumber();
                ObjectNode json = recordJson(record);
                if (filter.matches(json)) {
                    if (pending.isEmpty()) {
                        firstPendingReadAt = Instant.now();
                    }
                    pending.add(new Pending(record, json));
                }
            }
            iterator = response.nextShardIterator();
        }

        boolean invokeWhenReady() {
            Instant now = Instant.now();
            boolean windowOpen = pending.size() < source.batchSize() && iterator != null
                    && firstPendingReadAt != null
                    && now.isBefore(firstPendingReadAt.plusSeconds(source.maximumBatchingWindowSeconds()));
            if (pending.isEmpty() || windowOpen || now.isBefore(retryAt)) {
                return false;
            }
            List<Pending> batch = pending.stream().limit(batchLimit).toList();
            settle(batch, invoke(batch));
            return true;
        }

        private Outcome invoke(List<Pending> batch) {
            ObjectNode event = Json.object();
            ArrayNode records = event.putArray("Records");
            batch.forEach(record -> records.add(record.json()));
            byte[] response;
            try {
                response = invoker.apply(Json.writeBytes(event));
            } catch (RuntimeException e) {
                logger.warn("dynamodb_stream_event_source_invoke_failed").with("stream_arn", streamArn)
                        .with("shard_id", id).with("records", batch.size()).with(e).write();
                return new Outcome.Failed();
            }
            return source.reportsBatchItemFailures() ? readResponse(batch, response) : new Outcome.Succeeded();
        }

        private Outcome readResponse(List<Pending> batch, byte[] response) {
            if (response == null || new String(response, StandardCharsets.UTF_8).isBlank()) {
                return new Outcome.Succeeded();
            }
            JsonNode failures = Json.parse(response).map(root -> root.path("batchItemFailures")).orElse(null);
            if (failures == null || !failures.isMissingNode() && !failures.isNull() && !failures.isArray()) {
                return invalidResponse("batchItemFailures is not an array of a JSON response");
            }
            int firstFailed = batch.size();
            for (JsonNode failure : failures) {
                String sequenceNumber = Json.text(failure, "itemIdentifier");
                int index = -1;
                for (int i = 0; i < batch.size(); i++) {
                    if (batch.get(i).sequenceNumber().equals(sequenceNumber)) {
                        index = i;
                    }
                }
                if (index < 0) {
                    return invalidResponse("a batch item failure names no record of the batch");
                }
                firstFailed = Math.min(firstFailed, index);
            }
            return firstFailed == batch.size() ? new Outcome.Succeeded() : new Outcome.PartlyFailed(firstFailed);
        }

        private Outcome invalidResponse(String reason) {
            logger.warn("dynamodb_stream_event_source_invalid_response").with("stream_arn", streamArn)
                    .with("reason", reason).write();
            return new Outcome.Failed();
        }

        private void settle(List<Pending> batch, Outcome outcome) {
            if (outcome instanceof Outcome.Succeeded) {
                done(batch.size());
                return;
            }
            if (outcome instanceof Outcome.PartlyFailed partly) {
                done(partly.firstFailed());
                failures++;
                if (retriesExhausted()) {
                    skip(batch.subList(partly.firstFailed(), batch.size()), false);
                    return;
                }
            } else if (source.bisectBatchOnFunctionError() && batch.size() > 1) {
                batchLimit = (batch.size() + 1) / 2; // a split is no retry, as with Lambda
            } else {
                failures++;
                if (retriesExhausted()) {
                    skip(batch, true);
                    return;
                }
            }
            retryAt = Instant.now().plus(retryWait());
        }

        private Duration retryWait() {
            long millis = FIRST_RETRY_WAIT.toMillis() << Math.min(Math.max(failures - 1, 0), 10);
            return Duration.ofMillis(Math.min(millis, LONGEST_RETRY_WAIT.toMillis()));
        }

        private boolean retriesExhausted() {
            return source.maximumRetryAttempts() >= 0 && failures > source.maximumRetryAttempts();
        }

        /** The first {@code count} pending records are done with. */
        private void done(int count) {
            for (int i = 0; i < count; i++) {
                pending.removeFirst();
            }
            if (count > 0) {
                failures = 0;
                batchLimit = source.batchSize();
                retryAt = Instant.MIN;
            }
        }

        /** Gives up on the records at the head of {@link #pending}, sending their invocation record to OnFailure. */
        private void skip(List<Pending> records, boolean functionError) {
            String invocation = Json.write(invocationRecord(records, functionError, failures));
            logger.warn("dynamodb_stream_event_source_records_skipped").with("stream_arn", streamArn)
                    .with("shard_id", id).with("records", records.size())
                    .with("destination", onFailure.map(ProvisionedQueue::arn).orElse("none")).write();
            onFailure.ifPresent(queue -> sqs.sendMessage(b -> b.queueUrl(queue.url()).messageBody(invocation)));
            done(records.size());
        }

        /** AWS's invocation record for a discarded DynamoDB Streams batch. */
        private ObjectNode invocationRecord(List<Pending> records, boolean functionError, int invocations) {
            ObjectNode invocation = Json.object();
            ObjectNode request = invocation.putObject("requestContext");
            request.put("requestId", UUID.randomUUID().toString());
            request.put("functionArn", functionArn);
            request.put("condition", "RetryAttemptsExhausted");
            request.put("approximateInvokeCount", invocations);
            ObjectNode response = invocation.putObject("responseContext");
            response.put("statusCode", 200);
            response.put("executedVersion", "$LATEST");
            if (functionError) {
                response.put("functionError", "Unhandled");
            }
            invocation.put("version", "1.0");
            invocation.put("timestamp", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
            ObjectNode info = invocation.putObject("DDBStreamBatchInfo");
            info.put("shardId", id);
            info.put("startSequenceNumber", records.get(0).sequenceNumber());
            info.put("endSequenceNumber", records.get(records.size() - 1).sequenceNumber());
            info.put("approximateArrivalOfFirstRecord", arrival(records.get(0)));
            info.put("approximateArrivalOfLastRecord", arrival(records.get(records.size() - 1)));
            info.put("batchSize", records.size());
            info.put("streamArn", streamArn);
            return invocation;
        }
    }

    private static String arrival(Pending record) {
        return createdAt(record.record()).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Instant createdAt(Record record) {
        Instant created = record.dynamodb().approximateCreationDateTime();
        return created != null ? created : Instant.now();
    }

    /** The record as Lambda puts it in the event, images in DynamoDB JSON. */
    private ObjectNode recordJson(Record record) {
        ObjectNode json = Json.object();
        json.put("eventID", record.eventID());
        json.put("eventName", record.eventNameAsString());
        json.put("eventVersion", record.eventVersion() != null ? record.eventVersion() : "1.1");
        json.put("eventSource", "aws:dynamodb");
        json.put("awsRegion", region);
        ObjectNode dynamodb = json.putObject("dynamodb");
        var change = record.dynamodb();
        dynamodb.put("ApproximateCreationDateTime", createdAt(record).getEpochSecond());
        dynamodb.set("Keys", item(change.keys()));
        if (change.hasNewImage()) {
            dynamodb.set("NewImage", item(change.newImage()));
        }
        if (change.hasOldImage()) {
            dynamodb.set("OldImage", item(change.oldImage()));
        }
        dynamodb.put("SequenceNumber", change.sequenceNumber());
        dynamodb.put("SizeBytes", change.sizeBytes());
        dynamodb.put("StreamViewType", change.streamViewTypeAsString());
        if (record.userIdentity() != null) {
            ObjectNode identity = json.putObject("userIdentity");
            identity.put("type", record.userIdentity().type());
            identity.put("principalId", record.userIdentity().principalId());
        }
        json.put("eventSourceARN", streamArn);
        return json;
    }

    private static ObjectNode item(Map<String, AttributeValue> attributes) {
        ObjectNode item = Json.object();
        attributes.forEach((name, value) -> item.set(name, attributeValue(value)));
        return item;
    }

    /** An attribute value in DynamoDB JSON: {@code {"S": "text"}}, {@code {"N": "12"}}, {@code {"M": {...}}}, ... */
    private static ObjectNode attributeValue(AttributeValue value) {
        ObjectNode json = Json.object();
        switch (value.type()) {
            case S -> json.put("S", value.s());
            case N -> json.put("N", value.n());
            case B -> json.put("B", base64(value.b()));
            case BOOL -> json.put("BOOL", value.bool());
            case NUL -> json.put("NULL", true);
            case SS -> value.ss().forEach(json.putArray("SS")::add);
            case NS -> value.ns().forEach(json.putArray("NS")::add);
            case BS -> {
                ArrayNode set = json.putArray("BS");
                value.bs().forEach(bytes -> set.add(base64(bytes)));
            }
            case M -> json.set("M", item(value.m()));
            case L -> {
                ArrayNode list = json.putArray("L");
                value.l().forEach(element -> list.add(attributeValue(element)));
            }
            default -> throw new IllegalArgumentException("Unknown attribute value type: " + value);
        }
        return json;
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArray());
    }
}
