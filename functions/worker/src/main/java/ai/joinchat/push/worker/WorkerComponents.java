package ai.joinchat.push.worker;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.FunctionBasics;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.SqsOutboundQueue;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.DynamoQuickReplyOffers;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.worker.batch.SqsBatchProcessor;
import ai.joinchat.push.worker.batch.SqsRedelivery;
import ai.joinchat.push.worker.delivery.MessageDelivery;
import ai.joinchat.push.worker.graph.GraphSendClient;
import ai.joinchat.push.worker.pacing.DynamoPaceStore;
import ai.joinchat.push.worker.pacing.PagePacing;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * The worker's object graph, built once per container (before a SnapStart snapshot);
 * {@code sendReserve}: one send's time, which {@link WorkerHandler} keeps back when it starts messages.
 */
public record WorkerComponents(SqsBatchProcessor processor, Duration sendReserve,
                               JsonLogger logger, WorkerPriming priming, Metrics metrics) {

    /** Exactly the environment variables the worker reads (template.yaml declares each). */
    public static final Set<EnvVar> DECLARED_ENV = Set.of(
            EnvVar.PAGE_SECRET_PREFIX, EnvVar.APP_SECRET_ID, EnvVar.SECRET_CACHE_TTL_SECONDS, EnvVar.MESSAGES_TABLE,
            EnvVar.CONTACT_BINDINGS_TABLE, EnvVar.CONTACT_STATE_TABLE, EnvVar.GRAPH_API_BASE_URL,
            EnvVar.GRAPH_API_VERSION, EnvVar.PHONE_NUMBER_FALLBACK, EnvVar.MAX_RECEIVE_COUNT, EnvVar.MAX_THROTTLE_HOURS,
            EnvVar.QUEUE_URL, EnvVar.DEAD_LETTER_QUEUE_ARN, EnvVar.RECORD_RETENTION_DAYS, EnvVar.LOG_LEVEL);

    /** Every AWS call this function makes, per resource (SQS polling is SAM's); template.yaml grants exactly these. */
    public static final Set<IamGrant> IAM_GRANTS = Set.of(
            IamGrant.on(EnvVar.MESSAGES_TABLE, "dynamodb:GetItem", "dynamodb:UpdateItem"),
            IamGrant.on(EnvVar.CONTACT_BINDINGS_TABLE, "dynamodb:GetItem"),
            IamGrant.on(EnvVar.CONTACT_STATE_TABLE, "dynamodb:PutItem", "dynamodb:BatchWriteItem",
                    "dynamodb:GetItem", "dynamodb:UpdateItem"),
            IamGrant.on(EnvVar.QUEUE_URL, "sqs:ChangeMessageVisibility", "sqs:SendMessage"),
            IamGrant.on(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:GetSecretValue"),
            IamGrant.onAnyResource(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:ListSecrets"),
            IamGrant.on(EnvVar.APP_SECRET_ID, "secretsmanager:GetSecretValue"));

    /** Concurrent deliveries per container: one SQS batch holds at most 10 records. */
    public static final int DELIVERY_THREADS = 10;

    /**
     * Lambda passes {@link GraphSendClient#DEFAULT_TIMEOUT} and {@link DeliveryPolicy#DEFAULT_CLAIM_LEASE};
     * tests shorten the first, fault tests that kill invocations the second.
     */
    public static WorkerComponents create(Map<String, String> env, Clock clock, Duration graphTimeout,
                                          Duration claimLease) {
        FunctionBasics basics = FunctionBasics.create("worker", env, DECLARED_ENV, clock, List.of());
        GraphSendClient graph = GraphSendClient.fromSettings(basics.settings().require(EnvVar.GRAPH_API_BASE_URL),
                basics.settings().require(EnvVar.GRAPH_API_VERSION), graphTimeout, clock);
        SqsBatchProcessor processor = processor(basics, graph, DaemonThreads.fixedPool("delivery", DELIVERY_THREADS),
                clock, claimLease);
        return new WorkerComponents(processor, graphTimeout.plusSeconds(3),
                basics.log(), new WorkerPriming(env, clock, graph), basics.metrics());
    }

    /** The batch processor over {@code basics}: Lambda's, or the priming's throw-away one ({@link WorkerPriming}). */
    static SqsBatchProcessor processor(FunctionBasics basics, GraphSendClient graph, ExecutorService deliveries,
                                       Clock clock, Duration claimLease) {
        Settings settings = basics.settings();
        JsonLogger logger = basics.log();
        DynamoDbClient dynamo = basics.aws().dynamoDb();
        MessageRecords records = new DynamoMessageRecords(dynamo, settings.require(EnvVar.MESSAGES_TABLE),
                settings.recordRetention());
        ContactBindings bindings = new DynamoContactBindings(dynamo,
                settings.require(EnvVar.CONTACT_BINDINGS_TABLE), clock);
        DeliveryPolicy policy = new DeliveryPolicy(settings.integer(EnvVar.MAX_RECEIVE_COUNT, 1, 1000), claimLease,
                Duration.ofHours(settings.integer(EnvVar.MAX_THROTTLE_HOURS, 1, 336)));
        SqsClient sqs = basics.aws().sqs();

        MessageDelivery delivery = new MessageDelivery(records, basics.secrets(), bindings,
                settings.bool(EnvVar.PHONE_NUMBER_FALLBACK), graph, policy, clock, logger, basics.metrics(),
                new DynamoQuickReplyOffers(dynamo, settings.require(EnvVar.CONTACT_STATE_TABLE)),
                new SqsOutboundQueue(sqs, settings.require(EnvVar.QUEUE_URL)),
                new PagePacing(new DynamoPaceStore(dynamo, settings.require(EnvVar.CONTACT_STATE_TABLE))));
        return new SqsBatchProcessor(delivery, new SqsRedelivery(sqs, settings.require(EnvVar.QUEUE_URL), logger),
                deliveries, policy, settings.require(EnvVar.DEAD_LETTER_QUEUE_ARN), logger);
    }
}
