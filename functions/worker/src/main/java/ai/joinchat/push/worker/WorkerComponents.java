package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.graph.AppSecretProof;
import ai.joinchat.push.graph.GraphError;
import ai.joinchat.push.graph.GraphMessageMapper;
import ai.joinchat.push.graph.GraphSendClient;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.secrets.CachedSecretSource;
import ai.joinchat.push.secrets.SecretsManagerSecretSource;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.DynamoQuickReplyOffers;
import ai.joinchat.push.store.MessageRecords;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * The worker's object graph, built once per container (before a SnapStart snapshot): settings
 * from the declared environment variables, AWS clients, repositories, the secrets cache, the
 * Graph client and the delivery executor.
 */
public final class WorkerComponents {

    /** Exactly the environment variables the worker reads (template.yaml declares each). */
    public static final Set<EnvVar> DECLARED_ENV = Collections.unmodifiableSet(EnumSet.of(
            EnvVar.PAGE_SECRET_PREFIX,
            EnvVar.APP_SECRET_ID,
            EnvVar.SECRET_CACHE_TTL_SECONDS,
            EnvVar.MESSAGES_TABLE,
            EnvVar.CONTACT_BINDINGS_TABLE,
            EnvVar.CONTACT_STATE_TABLE,
            EnvVar.GRAPH_API_BASE_URL,
            EnvVar.GRAPH_API_VERSION,
            EnvVar.PHONE_NUMBER_FALLBACK,
            EnvVar.MAX_RECEIVE_COUNT,
            EnvVar.QUEUE_URL,
            EnvVar.DEAD_LETTER_QUEUE_ARN,
            EnvVar.RECORD_RETENTION_DAYS,
            EnvVar.LOG_LEVEL));

    /** Kept from the invocation's time for the batch response and the redelivery calls after the deliveries. */
    static final Duration INVOCATION_RESERVE = Duration.ofSeconds(2);

    /**
     * Every AWS call this function makes, per resource; template.yaml grants exactly these
     * (TemplateContractTest). Messages: claim and the mark* transitions (updates), the re-read of
     * a record the send API is still deciding. Bindings: lookups. Queue: a sooner visibility for
     * a deferred record, a fresh copy instead of the DLQ. Secrets: the pages' tokens and the app
     * secret (appsecret_proof). SQS polling itself is granted by SAM's SQS event.
     */
    public static final Set<IamGrant> IAM_GRANTS = Set.of(
            IamGrant.on(EnvVar.MESSAGES_TABLE, "dynamodb:GetItem", "dynamodb:UpdateItem"),
            IamGrant.on(EnvVar.CONTACT_BINDINGS_TABLE, "dynamodb:GetItem"),
            IamGrant.on(EnvVar.CONTACT_STATE_TABLE, "dynamodb:PutItem", "dynamodb:BatchWriteItem"),
            IamGrant.on(EnvVar.QUEUE_URL, "sqs:ChangeMessageVisibility", "sqs:SendMessage"),
            IamGrant.on(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:GetSecretValue"),
            IamGrant.on(EnvVar.APP_SECRET_ID, "secretsmanager:GetSecretValue"));

    /** Concurrent deliveries per container: one SQS batch holds at most 10 records. */
    public static final int DELIVERY_THREADS = 10;


    static final String SAMPLE_QUEUED_MESSAGE = "{\"v\":1,\"message_id\":\"prime\",\"page_id\":\"1234567890\","
            + "\"recipient\":{\"type\":\"id\",\"value\":\"24681357\"},\"template_type\":\"button\","
            + "\"message\":{\"template_type\":\"button\",\"text\":\"Hello\",\"buttons\":[{\"type\":\"postback\","
            + "\"title\":\"Yes\",\"payload\":\"YES\"}],\"quick_replies\":[{\"content_type\":\"text\","
            + "\"title\":\"Hi\",\"payload\":\"HI\"}]},\"messaging_type\":\"UPDATE\",\"warnings\":[],"
            + "\"accepted_at\":\"2026-01-01T00:00:00Z\"}";

    private final SqsEventCodec codec;
    private final SqsBatchProcessor batchProcessor;
    private final GraphMessageMapper mapper;
    private final JsonLogger logger;
    private final Duration sendReserve;

    public WorkerComponents(SqsEventCodec codec, SqsBatchProcessor batchProcessor, GraphMessageMapper mapper,
                            JsonLogger logger, Duration sendReserve) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.batchProcessor = Objects.requireNonNull(batchProcessor, "batchProcessor");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.logger = Objects.requireNonNull(logger, "logger");
        this.sendReserve = Objects.requireNonNull(sendReserve, "sendReserve");
    }

    /** Builds everything from an environment map (the process environment in Lambda). */
    public static WorkerComponents create(Map<String, String> env, Clock clock) {
        return create(env, clock, GraphSendClient.DEFAULT_TIMEOUT);
    }

    /** As {@link #create(Map, Clock)}, with another Graph request timeout (tests, local mode). */
    public static WorkerComponents create(Map<String, String> env, Clock clock, Duration graphTimeout) {
        return create(env, clock, graphTimeout, DeliveryPolicy.DEFAULT_CLAIM_LEASE);
    }

    /**
     * As {@link #create(Map, Clock, Duration)}, with another claim lease: fault tests that kill
     * invocations shorten it so a record a dead invocation held is retried within seconds.
     */
    public static WorkerComponents create(Map<String, String> env, Clock clock, Duration graphTimeout,
                                          Duration claimLease) {
        Settings settings = new Settings(env, DECLARED_ENV);
        JsonLogger logger = new JsonLogger("worker", settings.require(EnvVar.LOG_LEVEL));
        Metrics metrics = new Metrics("worker", System.out, clock);

        AwsClientFactory aws = new AwsClientFactory(settings.environment());
        DynamoDbClient dynamo = aws.dynamoDb();
        MessageRecords records = new DynamoMessageRecords(dynamo, settings.require(EnvVar.MESSAGES_TABLE),
                Duration.ofDays(settings.integer(EnvVar.RECORD_RETENTION_DAYS, 1, 3650)));
        ContactBindings bindings = new DynamoContactBindings(dynamo,
                settings.require(EnvVar.CONTACT_BINDINGS_TABLE), clock);
        SecretsProvider secrets = new SecretsProvider(
                new CachedSecretSource(new SecretsManagerSecretSource(aws.secretsManager()),
                        settings.seconds(EnvVar.SECRET_CACHE_TTL_SECONDS, 3600), clock),
                settings.require(EnvVar.PAGE_SECRET_PREFIX),
                settings.require(EnvVar.APP_SECRET_ID));
        GraphSendClient graph = GraphSendClient.fromSettings(settings.require(EnvVar.GRAPH_API_BASE_URL),
                settings.require(EnvVar.GRAPH_API_VERSION), graphTimeout);
        DeliveryPolicy policy = new DeliveryPolicy(settings.integer(EnvVar.MAX_RECEIVE_COUNT, 1, 1000), claimLease);
        Redelivery redelivery = new SqsRedelivery(aws.configure(SqsClient.builder(), "SQS"),
                settings.require(EnvVar.QUEUE_URL), logger);
        GraphMessageMapper mapper = new GraphMessageMapper();

        MessageDelivery delivery = new MessageDelivery(records, secrets,
                new RecipientResolver(bindings, settings.bool(EnvVar.PHONE_NUMBER_FALLBACK)),
                mapper, graph, policy, clock, logger, metrics,
                new DynamoQuickReplyOffers(dynamo, settings.require(EnvVar.CONTACT_STATE_TABLE)));
        SqsBatchProcessor processor = new SqsBatchProcessor(delivery, redelivery, deliveryExecutor(DELIVERY_THREADS),
                policy.maxReceiveCount(), settings.require(EnvVar.DEAD_LETTER_QUEUE_ARN), logger);
        return new WorkerComponents(new SqsEventCodec(), processor, mapper, logger,
                graphTimeout.plusSeconds(3));
    }

    /** A fixed pool of daemon threads: never keeps a JVM alive, never grows with the batch. */
    public static ExecutorService deliveryExecutor(int threads) {
        return DaemonThreads.fixedPool("delivery", threads);
    }

    public SqsEventCodec codec() {
        return codec;
    }

    public SqsBatchProcessor batchProcessor() {
        return batchProcessor;
    }

    public JsonLogger logger() {
        return logger;
    }

    /** The invocation's deadline: every AWS and Graph call of the batch ends by it. */
    public Deadline deadline(Duration remaining) {
        return Deadline.ofRemaining(remaining, INVOCATION_RESERVE);
    }

    /**
     * How long new messages may still be started in an invocation with this much time left:
     * enough is kept for the last send to finish (at most half the time, so a short timeout
     * still delivers).
     */
    public Duration timeBudget(Duration remaining) {
        Duration reserve = sendReserve.compareTo(remaining.dividedBy(2)) < 0 ? sendReserve : remaining.dividedBy(2);
        return remaining.minus(reserve);
    }

    /**
     * Warms the code paths of an invocation without any network call (before a SnapStart
     * snapshot): parses an event and a queued message, maps and serialises a Send API body,
     * computes an appsecret_proof and writes a response.
     */
    public void prime() {
        try {
            String event = "{\"Records\":[{\"messageId\":\"prime\",\"receiptHandle\":\"prime\",\"body\":"
                    + Json.write(Json.MAPPER.getNodeFactory().textNode(SAMPLE_QUEUED_MESSAGE))
                    + ",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},"
                    + "\"eventSource\":\"aws:sqs\"}]}";
            List<SqsRecord> records = codec.readEvent(
                    new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)));
            QueuedMessage message = QueuedMessage.fromJson(records.get(0).body());
            Json.writeBytes(mapper.toSendApiBody(Json.object().put("id", message.recipient().value()),
                    message.messagingType(), message.tag(),
                    mapper.toSendApiMessage(message.templateType(), message.message(), message.messageId())));
            SqsBatchProcessor.groupKey(message);
            AppSecretProof.compute("prime-token", "prime-secret");
            MessageDelivery.toDeliveryError(GraphError.fromResponse(400,
                    "{\"error\":{\"message\":\"x\",\"code\":100,\"error_subcode\":2018001}}"), false);
            Json.writeBytes(codec.response(List.of("prime")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
