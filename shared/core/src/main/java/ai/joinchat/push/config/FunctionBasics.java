package ai.joinchat.push.config;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.secrets.SecretsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

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
        Metrics metrics = new Metrics(function, System.out, clock);
        AwsClientFactory aws = new AwsClientFactory(settings.environment(), interceptors);
        return new FunctionBasics(settings, log, metrics, aws,
                SecretsProvider.fromSettings(settings, aws, clock, log, metrics));
    }
}
