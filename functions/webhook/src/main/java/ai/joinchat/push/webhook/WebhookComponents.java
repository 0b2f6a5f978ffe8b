package ai.joinchat.push.webhook;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.FunctionBasics;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.http.HttpApiEventCodec;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import ai.joinchat.push.store.DynamoQuickReplyOffers;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/** The webhook function's object graph, built once per container (before the SnapStart checkpoint). */
public record WebhookComponents(WebhookService service, HttpApiEventCodec codec, WebhookPriming priming,
                                Metrics metrics) {

    /** Exactly the variables the webhook reads; template.yaml must set each of them for it. */
    public static final Set<EnvVar> DECLARED_ENV = Set.of(
            EnvVar.PAGE_SECRET_PREFIX, EnvVar.APP_SECRET_ID, EnvVar.SECRET_CACHE_TTL_SECONDS, EnvVar.MESSAGES_TABLE,
            EnvVar.CONTACT_BINDINGS_TABLE, EnvVar.CONTACT_STATE_TABLE, EnvVar.WEBHOOK_EVENTS_TABLE,
            EnvVar.RECORD_RETENTION_DAYS, EnvVar.LOG_LEVEL);

    /** Every AWS call this function makes, per resource; template.yaml grants exactly these. */
    public static final Set<IamGrant> IAM_GRANTS = Set.of(
            IamGrant.on(EnvVar.WEBHOOK_EVENTS_TABLE, "dynamodb:BatchWriteItem", "dynamodb:PutItem"),
            IamGrant.on(EnvVar.CONTACT_BINDINGS_TABLE, "dynamodb:PutItem"),
            IamGrant.on(EnvVar.MESSAGES_TABLE, "dynamodb:UpdateItem", "dynamodb:BatchGetItem"),
            IamGrant.onIndexes(EnvVar.MESSAGES_TABLE, "dynamodb:Query"),
            IamGrant.on(EnvVar.CONTACT_STATE_TABLE, "dynamodb:BatchGetItem"),
            IamGrant.on(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:GetSecretValue"),
            IamGrant.onAnyResource(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:ListSecrets"),
            IamGrant.on(EnvVar.APP_SECRET_ID, "secretsmanager:GetSecretValue"));

    /**
     * The DynamoDB calls one container has in flight: a task never waits for another, so one pool
     * cannot deadlock. 32 answer a 1,000-event batch (some 700 tasks) within Facebook's wait
     * (WebhookOnLocalBackendsTest#aThousandEventPostIsRecordedWithinFacebooksBudget).
     */
    static final int THREADS = 32;

    /** {@code interceptors}: on the AWS clients (Lambda's none; tests count or fail DynamoDB calls with them). */
    public static WebhookComponents create(Map<String, String> environment, Clock clock,
                                           List<ExecutionInterceptor> interceptors) {
        FunctionBasics basics = FunctionBasics.create("webhook", environment, DECLARED_ENV, clock, interceptors);
        return new WebhookComponents(service(basics, DaemonThreads.idlePool("webhook", THREADS), clock),
                new HttpApiEventCodec(basics.log()), new WebhookPriming(environment, clock), basics.metrics());
    }

    /** The service over {@code basics}: Lambda's, or the priming's throw-away one ({@link WebhookPriming}). */
    static WebhookService service(FunctionBasics basics, ExecutorService pool, Clock clock) {
        Settings settings = basics.settings();
        DynamoDbClient dynamo = basics.aws().dynamoDb();
        Duration retention = settings.recordRetention();

        // Page secrets too: their keys verify signed refs, their unsigned_refs setting governs unsigned ones.
        SecretsProvider secrets = basics.secrets();
        WebhookEventProcessor processor = new WebhookEventProcessor(
                new DynamoWebhookRecords(dynamo, settings.require(EnvVar.WEBHOOK_EVENTS_TABLE), retention, clock),
                new DynamoMessageRecords(dynamo, settings.require(EnvVar.MESSAGES_TABLE), retention),
                new DynamoContactBindings(dynamo, settings.require(EnvVar.CONTACT_BINDINGS_TABLE), clock),
                new BindingAdmission(secrets,
                        new DynamoQuickReplyOffers(dynamo, settings.require(EnvVar.CONTACT_STATE_TABLE)), clock),
                pool);
        return new WebhookService(secrets, new WebhookSignatureVerifier(), new WebhookPayloadParser(basics.log()),
                processor, basics.log(), basics.metrics());
    }
}
