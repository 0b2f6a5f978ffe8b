package ai.joinchat.push.send;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.FunctionBasics;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.http.HttpApiEventCodec;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.queue.SqsOutboundQueue;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.request.TagPolicy;
import ai.joinchat.push.send.store.DynamoIdempotencyKeys;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

/** Composition root of the send API: builds the real dependencies once per container. */
public record SendApiComponents(SendApiService service, HttpApiEventCodec codec, SendApiPriming priming,
                                Metrics metrics) {

    /** Every environment variable this function reads; template.yaml declares each one. */
    public static final Set<EnvVar> DECLARED_ENV = Set.of(
            EnvVar.PAGE_SECRET_PREFIX, EnvVar.SECRET_CACHE_TTL_SECONDS, EnvVar.MESSAGES_TABLE,
            EnvVar.IDEMPOTENCY_TABLE, EnvVar.QUEUE_URL, EnvVar.LEGACY_TAG_POLICY,
            EnvVar.RECORD_RETENTION_DAYS, EnvVar.LOG_LEVEL, EnvVar.CONTACT_BINDINGS_TABLE);

    /** SQS sends running beside the record write; one invocation has one request at a time. */
    static final int ENQUEUE_THREADS = 2;

    /** Every AWS call this function makes, per resource; template.yaml grants exactly these. */
    public static final Set<IamGrant> IAM_GRANTS = Set.of(
            IamGrant.on(EnvVar.MESSAGES_TABLE, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"),
            IamGrant.on(EnvVar.IDEMPOTENCY_TABLE, "dynamodb:PutItem", "dynamodb:GetItem"),
            IamGrant.on(EnvVar.CONTACT_BINDINGS_TABLE, "dynamodb:BatchWriteItem"),
            IamGrant.on(EnvVar.QUEUE_URL, "sqs:SendMessage"),
            IamGrant.on(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:GetSecretValue"),
            IamGrant.onAnyResource(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:ListSecrets"));

    public static SendApiComponents create(Map<String, String> environment, Clock clock) {
        FunctionBasics basics = FunctionBasics.create("send-api", environment, DECLARED_ENV, clock, List.of());
        SendApiService service = service(basics, DaemonThreads.fixedPool("send-enqueue", ENQUEUE_THREADS), clock);
        HttpApiEventCodec codec = new HttpApiEventCodec(
                new JsonLogger("send-api", JsonLogger.Level.INFO, System.out, Clock.systemUTC()),
                SignedRequestAuthenticator.MAX_BODY_BYTES);
        return new SendApiComponents(service, codec, new SendApiPriming(environment, clock), basics.metrics());
    }

    /** The service over {@code basics}: Lambda's, or the priming's throw-away one ({@link SendApiPriming}). */
    static SendApiService service(FunctionBasics basics, ExecutorService enqueue, Clock clock) {
        Settings settings = basics.settings();
        DynamoDbClient dynamo = basics.aws().dynamoDb();
        JsonLogger log = basics.log();
        Metrics metrics = basics.metrics();
        DynamoMessageRecords records = new DynamoMessageRecords(dynamo, settings.require(EnvVar.MESSAGES_TABLE),
                settings.recordRetention());
        DynamoIdempotencyKeys keys = new DynamoIdempotencyKeys(dynamo, settings.require(EnvVar.IDEMPOTENCY_TABLE),
                records);
        SqsOutboundQueue queue = new SqsOutboundQueue(basics.aws().sqs(), settings.require(EnvVar.QUEUE_URL));
        MessageAcceptor acceptor = new MessageAcceptor(records, keys, queue, enqueue, clock, log, metrics,
                new KeyHolders(records, keys, clock, log, metrics));
        return new SendApiService(
                new SignedRequestAuthenticator(basics.secrets(), new SignatureVerifier(), clock),
                new SendRequestValidator(TagPolicy.fromSetting(settings.require(EnvVar.LEGACY_TAG_POLICY))),
                records, acceptor, queue, clock, () -> UUID.randomUUID().toString(), log, metrics,
                new BindingsImportService(
                        new DynamoContactBindings(dynamo, settings.require(EnvVar.CONTACT_BINDINGS_TABLE), clock),
                        clock, log, metrics, keys));
    }
}
