package ai.joinchat.push.callbacks;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.SecretsProvider;
import software.amazon.awssdk.services.sqs.SqsClient;

import javax.net.ssl.SSLSocketFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The callbacks function's object graph, built once per container (before a SnapStart snapshot). */
public record CallbacksComponents(Announcer announcer, Dispatcher dispatcher, Metrics metrics) {

    /** Exactly the environment variables this function reads (template.yaml declares each). */
    public static final Set<EnvVar> DECLARED_ENV = Collections.unmodifiableSet(EnumSet.of(
            EnvVar.PAGE_SECRET_PREFIX,
            EnvVar.SECRET_CACHE_TTL_SECONDS,
            EnvVar.CALLBACK_QUEUE_URL,
            EnvVar.ALLOW_PRIVATE_CALLBACKS,
            EnvVar.LOG_LEVEL));

    /**
     * Every AWS call it makes: events onto the callback queue (SendMessageBatch, and SendMessage for
     * a retry), the pages' callback settings. Reading the streams and the queue, and the streams'
     * failure destination, are granted by SAM for the events.
     */
    public static final Set<IamGrant> IAM_GRANTS = Set.of(
            IamGrant.on(EnvVar.CALLBACK_QUEUE_URL, "sqs:SendMessage"),
            IamGrant.on(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:GetSecretValue"),
            IamGrant.onAnyResource(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:ListSecrets"));

    /** Contract section 8: any 2xx within 15 s. */
    public static final Duration POST_TIMEOUT = Duration.ofSeconds(15);

    public static CallbacksComponents create(Map<String, String> env, Clock clock) {
        return create(env, clock, POST_TIMEOUT, Dispatcher.SQS_MAX_DELAY);
    }

    /**
     * As {@link #create(Map, Clock)} with another POST timeout and longest queue delay: tests run the
     * retry schedule on their own clock, the re-queued events visible at once.
     */
    public static CallbacksComponents create(Map<String, String> env, Clock clock, Duration postTimeout,
                                             Duration maxQueueDelay) {
        Settings settings = new Settings(env, DECLARED_ENV);
        JsonLogger logger = new JsonLogger("callbacks", settings.require(EnvVar.LOG_LEVEL));
        Metrics metrics = new Metrics("callbacks", System.out, clock);
        AwsClientFactory aws = new AwsClientFactory(settings.environment());
        SecretsProvider secrets = SecretsProvider.fromSettings(settings, aws, clock, logger, metrics);
        SqsClient sqs = aws.sqs();
        String queue = settings.require(EnvVar.CALLBACK_QUEUE_URL);
        return new CallbacksComponents(new Announcer(secrets, sqs, queue, logger),
                new Dispatcher(secrets, new CallbackPost(settings.bool(EnvVar.ALLOW_PRIVATE_CALLBACKS),
                        (SSLSocketFactory) SSLSocketFactory.getDefault()), sqs, queue,
                        postTimeout, maxQueueDelay, clock, logger, metrics), metrics);
    }

    /** The handler on this graph (tests; Lambda's no-arg constructor builds its own). */
    public CallbacksHandler handler() {
        return new CallbacksHandler(announcer, dispatcher, metrics);
    }
}
