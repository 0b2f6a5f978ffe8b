package ai.joinchat.push.config;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.aws.PrimingHttpClient;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.SecretsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every function's composition root starts from: its declared settings, its logger and
 * metrics, the AWS client factory and the secrets behind their cache.
 */
public record FunctionBasics(Settings settings, JsonLogger log, Metrics metrics, AwsClientFactory aws,
                             SecretsProvider secrets) {

    /** {@code interceptors}: on every AWS client (Lambda's none; tests count or fail calls with them). */
    public static FunctionBasics create(String function, Map<String, String> environment, Set<EnvVar> declared,
                                        Clock clock, List<ExecutionInterceptor> interceptors) {
        Settings settings = new Settings(environment, declared);
        JsonLogger log = new JsonLogger(function, settings.require(EnvVar.LOG_LEVEL));
        return of(settings, log, new Metrics(function, System.out, clock),
                new AwsClientFactory(settings.environment(), interceptors), clock);
    }

    /**
     * The SnapStart priming's: the same settings over throw-away AWS clients that {@code http}
     * answers from memory, secrets in a cache of their own, and a log and metrics that write
     * nowhere, so the priming changes nothing the invocations use and CloudWatch records nothing.
     */
    public static FunctionBasics priming(String function, Map<String, String> environment, Set<EnvVar> declared,
                                         Clock clock, PrimingHttpClient http) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        return of(new Settings(environment, declared), new JsonLogger(function, JsonLogger.Level.INFO, nowhere, clock),
                new Metrics(function, nowhere, clock),
                AwsClientFactory.priming(environment.getOrDefault("AWS_REGION", "us-east-1"), http), clock);
    }

    private static FunctionBasics of(Settings settings, JsonLogger log, Metrics metrics, AwsClientFactory aws,
                                     Clock clock) {
        return new FunctionBasics(settings, log, metrics, aws,
                SecretsProvider.fromSettings(settings, aws, clock, log, metrics));
    }
}
