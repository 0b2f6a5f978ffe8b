package ai.joinchat.push.webhook;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.http.HttpApiEventCodec;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.request.EmailNormalizer;
import ai.joinchat.push.request.PhoneNumberNormalizer;
import ai.joinchat.push.secrets.CachedSecretSource;
import ai.joinchat.push.secrets.SecretsManagerSecretSource;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.WebhookSignatureVerifier;
import ai.joinchat.push.store.DynamoContactBindings;
import ai.joinchat.push.store.DynamoMessageRecords;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The webhook function's object graph, built once per container (before the SnapStart
 * checkpoint): configuration, AWS clients, stores, the executors that bound the DynamoDB calls
 * in flight, and the service.
 */
public final class WebhookComponents {

    /** Exactly the variables the webhook reads; template.yaml must set each of them for it. */
    public static final Set<EnvVar> DECLARED_ENV = Collections.unmodifiableSet(EnumSet.of(
            EnvVar.APP_SECRET_ID,
            EnvVar.SECRET_CACHE_TTL_SECONDS,
            EnvVar.MESSAGES_TABLE,
            EnvVar.CONTACT_BINDINGS_TABLE,
            EnvVar.WEBHOOK_EVENTS_TABLE,
            EnvVar.RECORD_RETENTION_DAYS,
            EnvVar.LOG_LEVEL));

    /**
     * Every AWS call this function makes, per resource; template.yaml grants exactly these
     * (TemplateContractTest). Events: batch writes. Bindings: conditional puts. Messages:
     * echo/receipt transitions (updates), which messages are not yet echoed (batch get), and the
     * receipts' lookups by Facebook id and by recipient (queries on the indexes).
     */
    public static final Set<IamGrant> IAM_GRANTS = Set.of(
            IamGrant.on(EnvVar.WEBHOOK_EVENTS_TABLE, "dynamodb:BatchWriteItem"),
            IamGrant.on(EnvVar.CONTACT_BINDINGS_TABLE, "dynamodb:PutItem"),
            IamGrant.on(EnvVar.MESSAGES_TABLE, "dynamodb:UpdateItem", "dynamodb:BatchGetItem"),
            IamGrant.onIndexes(EnvVar.MESSAGES_TABLE, "dynamodb:Query"),
            IamGrant.on(EnvVar.APP_SECRET_ID, "secretsmanager:GetSecretValue"));

    /** Effects (message updates, bindings) in flight at once. */
    static final int EFFECT_THREADS = 16;
    /** BatchWriteItem requests in flight at once. */
    static final int RECORD_THREADS = 4;
    /** Facebook waits a few seconds for the answer; past this the batch answers 500 and is redelivered. */
    static final Duration PROCESSING_BUDGET = Duration.ofMillis(4500);

    private final WebhookService service;
    private final HttpApiEventCodec codec;
    private final CheckpointPriming priming;

    public WebhookComponents(WebhookService service, HttpApiEventCodec codec, CheckpointPriming priming) {
        this.service = service;
        this.codec = codec;
        this.priming = priming;
    }

    /** Builds everything from an environment (the process's, or local mode's / a test's). */
    public static WebhookComponents create(Map<String, String> environment, Clock clock) {
        Settings settings = new Settings(environment, DECLARED_ENV);
        JsonLogger log = new JsonLogger("webhook", settings.require(EnvVar.LOG_LEVEL));
        Metrics metrics = new Metrics("webhook");
        AwsClientFactory aws = new AwsClientFactory(settings.environment());
        DynamoDbClient dynamo = aws.dynamoDb();
        Duration retention = Duration.ofDays(settings.integer(EnvVar.RECORD_RETENTION_DAYS, 1, 3650));

        SecretsProvider secrets = new SecretsProvider(
                new CachedSecretSource(new SecretsManagerSecretSource(aws.secretsManager()),
                        settings.seconds(EnvVar.SECRET_CACHE_TTL_SECONDS, 3600), clock),
                "", // the webhook reads only the app-wide secret, never a page's

                settings.require(EnvVar.APP_SECRET_ID));
        WebhookSignatureVerifier signatures = new WebhookSignatureVerifier();
        WebhookPayloadParser parser = new WebhookPayloadParser(log);
        DynamoWebhookRecords records = new DynamoWebhookRecords(dynamo, settings.require(EnvVar.WEBHOOK_EVENTS_TABLE),
                retention, clock, executor("webhook-records", RECORD_THREADS));
        ContactBindingRules rules = new ContactBindingRules(new PhoneNumberNormalizer(), new EmailNormalizer());
        WebhookEventProcessor processor = new WebhookEventProcessor(
                records,
                new DynamoMessageRecords(dynamo, settings.require(EnvVar.MESSAGES_TABLE), retention),
                new DynamoContactBindings(dynamo, settings.require(EnvVar.CONTACT_BINDINGS_TABLE), clock),
                rules,
                executor("webhook-effects", EFFECT_THREADS),
                PROCESSING_BUDGET);
        WebhookService service = new WebhookService(secrets, signatures, parser, processor, log, metrics);
        HttpApiEventCodec codec = new HttpApiEventCodec(log);
        return new WebhookComponents(service, codec, new CheckpointPriming(parser, signatures, records, rules, service, codec));
    }

    /**
     * A fixed number of daemon threads that end when idle, so neither a test JVM nor local mode
     * is kept alive by them; the queue is unbounded because one batch submits at most one task
     * per event.
     */
    static ExecutorService executor(String name, int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory);
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    public WebhookService service() {
        return service;
    }

    public HttpApiEventCodec codec() {
        return codec;
    }

    public CheckpointPriming priming() {
        return priming;
    }
}
