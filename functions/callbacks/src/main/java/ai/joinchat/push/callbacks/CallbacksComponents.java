package ai.joinchat.push.callbacks;

import ai.joinchat.push.concurrent.DaemonThreads;
import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.FunctionBasics;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.config.Settings;
import ai.joinchat.push.observability.Metrics;
import software.amazon.awssdk.services.sqs.SqsClient;

import javax.net.ssl.SSLSocketFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The callbacks function's object graph, built once per container (before a SnapStart snapshot). */
public record CallbacksComponents(Dispatcher dispatcher, Metrics metrics, CallbacksPriming priming) {

    /** Exactly the environment variables this function reads (template.yaml declares each). */
    public static final Set<EnvVar> DECLARED_ENV = Set.of(
            EnvVar.PAGE_SECRET_PREFIX, EnvVar.SECRET_CACHE_TTL_SECONDS, EnvVar.CALLBACK_QUEUE_URL,
            EnvVar.ALLOW_PRIVATE_CALLBACKS, EnvVar.LOG_LEVEL);

    /**
     * Every AWS call it makes (sqs:SendMessage covers SendMessageBatch too); SAM grants reading the
     * streams and the queue, and the streams' failure destination, for the event sources.
     */
    public static final Set<IamGrant> IAM_GRANTS = Set.of(
            IamGrant.on(EnvVar.CALLBACK_QUEUE_URL, "sqs:SendMessage"),
            IamGrant.on(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:GetSecretValue"),
            IamGrant.onAnyResource(EnvVar.PAGE_SECRET_PREFIX, "secretsmanager:ListSecrets"));

    /** Contract section 8: any 2xx within 15 s. */
    public static final Duration POST_TIMEOUT = Duration.ofSeconds(15);
    /** SQS's longest DelaySeconds. */
    public static final Duration SQS_MAX_DELAY = Duration.ofMinutes(15);

    /**
     * Lambda's graph takes {@link #POST_TIMEOUT} and {@link #SQS_MAX_DELAY}; tests run the retry
     * schedule on their own clock, the re-queued events visible at once.
     */
    public static CallbacksComponents create(Map<String, String> env, Clock clock, Duration postTimeout,
                                             Duration maxQueueDelay) {
        FunctionBasics basics = FunctionBasics.create("callbacks", env, DECLARED_ENV, clock, List.of());
        Settings settings = basics.settings();
        SqsClient sqs = basics.aws().sqs();
        String queue = settings.require(EnvVar.CALLBACK_QUEUE_URL);
        return new CallbacksComponents(new Dispatcher(basics.secrets(), new CallbackPost(
                settings.bool(EnvVar.ALLOW_PRIVATE_CALLBACKS), (SSLSocketFactory) SSLSocketFactory.getDefault()), sqs,
                queue, postTimeout, maxQueueDelay, clock, basics.log(), basics.metrics(),
                DaemonThreads.fixedPool("callbacks", 10), new ConcurrentHashMap<>()), // a thread per record (<= 10)
                basics.metrics(), new CallbacksPriming());
    }
}
