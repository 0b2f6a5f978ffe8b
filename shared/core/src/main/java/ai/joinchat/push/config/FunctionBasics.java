package ai.joinchat.push.config;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.aws.PrimingHttpClient;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.CachedSecretSource;
import ai.joinchat.push.secrets.SecretSource;
import ai.joinchat.push.secrets.SecretsManagerSecretSource;
import ai.joinchat.push.secrets.SecretsProvider;
import com.sun.management.OperatingSystemMXBean;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;

/**
 * What every function's composition root starts from: its declared settings, its logger and
 * metrics, the AWS client factory and the secrets behind their cache.
 */
public record FunctionBasics(Settings settings, JsonLogger log, Metrics metrics, AwsClientFactory aws,
                             SecretsProvider secrets) {

    /**
     * How many times a priming runs its path. The snapshot keeps the JIT's code: at the template's
     * C1-only settings a method is compiled after about 200 calls, so 300 rounds put the request path
     * in the snapshot compiled (bench/.../FirstRequestProbe: the first 300 sends after it use 3.7 ms
     * of CPU each instead of 5.9-6.9 after one round, docs/performance.md).
     */
    static final int PRIMING_ROUNDS = 300;
    private static final Duration SETTLING_LIMIT = Duration.ofSeconds(2);

    /** {@code interceptors}: on every AWS client (Lambda's none; tests count or fail calls with them). */
    public static FunctionBasics create(String function, Map<String, String> environment, Set<EnvVar> declared,
                                        Clock clock, List<ExecutionInterceptor> interceptors) {
        Settings settings = new Settings(environment, declared);
        JsonLogger log = new JsonLogger(function, settings.require(EnvVar.LOG_LEVEL));
        return of(settings, log, new Metrics(function, System.out, clock),
                new AwsClientFactory(settings.environment(), interceptors), clock);
    }

    /**
     * Runs a SnapStart priming's {@code path} {@link #PRIMING_ROUNDS} times on throw-away basics (AWS
     * clients a {@link PrimingHttpClient} answers, its own secrets cache, a log and metrics that write
     * nowhere), so it changes nothing the invocations use and CloudWatch records nothing.
     *
     * @return the AWS operations the path made, in order
     */
    public static List<String> prime(String function, Map<String, String> environment, Set<EnvVar> declared,
                                     Clock clock, ExecutorService pool,
                                     BiConsumer<FunctionBasics, ExecutorService> path) {
        PrimingHttpClient http = new PrimingHttpClient();
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        FunctionBasics basics = of(new Settings(environment, declared),
                new JsonLogger(function, JsonLogger.Level.INFO, nowhere, clock), new Metrics(function, nowhere, clock),
                AwsClientFactory.priming(environment.getOrDefault("AWS_REGION", "us-east-1"), http), clock);
        try {
            for (int round = 0; round < PRIMING_ROUNDS; round++) {
                path.accept(basics, pool);
            }
            return http.operations();
        } finally {
            pool.shutdownNow();
            basics.aws().close();
            awaitSettled();
        }
    }

    /**
     * Waits until the JVM is idle, at most {@link #SETTLING_LIMIT}: at most one 10 ms tick of CPU
     * over 100 ms. The JVM stays busy for about 250 ms after the rounds and the closing of their
     * clients; a snapshot taken then made the first send after the restore take 230-310 ms and
     * 310-360 ms of CPU, instead of 70-90 ms of CPU (bench/.../FirstRequestProbe).
     */
    private static void awaitSettled() {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os)) {
            return;
        }
        long giveUpAt = System.nanoTime() + SETTLING_LIMIT.toNanos();
        long cpu = os.getProcessCpuTime();
        while (System.nanoTime() < giveUpAt) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = os.getProcessCpuTime();
            if (now - cpu <= 10_000_000) {
                return;
            }
            cpu = now;
        }
    }

    /**
     * The secrets: Secrets Manager behind a cache ({@code SECRET_CACHE_TTL_SECONDS}) and a directory
     * of page secrets; the app secret only where the function declares {@code APP_SECRET_ID}.
     */
    private static FunctionBasics of(Settings settings, JsonLogger log, Metrics metrics, AwsClientFactory aws,
                                     Clock clock) {
        String prefix = settings.require(EnvVar.PAGE_SECRET_PREFIX);
        SecretSource cached = new CachedSecretSource(new SecretsManagerSecretSource(aws.secretsManager()), prefix,
                Duration.ofSeconds(settings.integer(EnvVar.SECRET_CACHE_TTL_SECONDS, 0, 3600)), clock, log, metrics);
        String appSecretId = settings.declared().contains(EnvVar.APP_SECRET_ID)
                ? settings.require(EnvVar.APP_SECRET_ID) : "";
        return new FunctionBasics(settings, log, metrics, aws, new SecretsProvider(cached, prefix, appSecretId, log));
    }
}
