package ai.joinchat.push.aws;

import ai.joinchat.push.concurrent.Jitter;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Builds AWS SDK v2 clients once per container on Apache HttpClient 5 (the JDK's
 * {@code HttpURLConnection}, under url-connection-client, waits 1 ms before every fixed-length POST
 * on a kept-alive connection, which every AWS JSON call is). Region, credentials and endpoints
 * ({@code AWS_ENDPOINT_URL[_<SERVICE>]}) come from the environment, so the same artifact runs against
 * AWS or local emulators. Calls are bounded in time: a slow dependency is a 503, not a Lambda timeout.
 */
public final class AwsClientFactory implements AutoCloseable {

    /**
     * The most one call (with its retries) may take, even under a later deadline ({@link SdkFailures#within}):
     * half the HTTP functions' 10 s timeout, so one slow call still leaves time to answer; each attempt
     * gets half of it, so the SDK can try twice.
     */
    static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(5);

    private final Map<String, String> environment;
    private final SdkHttpClient httpClient;
    private final List<ExecutionInterceptor> interceptors;
    private final List<SdkAutoCloseable> built = new CopyOnWriteArrayList<>();

    public AwsClientFactory(Map<String, String> environment) {
        this(environment, List.of());
    }

    public AwsClientFactory(Map<String, String> environment, List<ExecutionInterceptor> interceptors) {
        this(environment, interceptors, Apache5HttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2)) // within an attempt's 2.5 s: a refused connect is retried
                .socketTimeout(API_CALL_TIMEOUT)
                .build());
    }

    private AwsClientFactory(Map<String, String> environment, List<ExecutionInterceptor> interceptors,
                             SdkHttpClient httpClient) {
        this.environment = Map.copyOf(environment);
        this.interceptors = List.copyOf(interceptors);
        this.httpClient = httpClient;
    }

    /**
     * The SnapStart priming's clients: answered by {@code http} from memory, in {@code region}, with
     * static dummy credentials (never the container's) and an endpoint that exists nowhere.
     */
    public static AwsClientFactory priming(String region, PrimingHttpClient http) {
        return new AwsClientFactory(Map.of("AWS_REGION", region, "AWS_ACCESS_KEY_ID", "priming",
                "AWS_SECRET_ACCESS_KEY", "priming", "AWS_ENDPOINT_URL", "https://priming.invalid"), List.of(), http);
    }

    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder(), "DYNAMODB");
    }

    public SecretsManagerClient secretsManager() {
        return configure(SecretsManagerClient.builder(), "SECRETS_MANAGER");
    }

    public SqsClient sqs() {
        // The priming's answers from memory carry no checksum of the message sent.
        boolean priming = httpClient instanceof PrimingHttpClient;
        return configure(SqsClient.builder().checksumValidationEnabled(!priming), "SQS");
    }

    /** Any service's client with the shared settings; {@code serviceEndpointSuffix}: {@code SQS} for SQS. */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C configure(
            B builder, String serviceEndpointSuffix) {
        builder.httpClient(httpClient)
                .credentialsProvider(credentials())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(API_CALL_TIMEOUT)
                        .apiCallAttemptTimeout(API_CALL_TIMEOUT.dividedBy(2))
                        .retryStrategy(retries())
                        .executionInterceptors(interceptors)
                        .build());
        region().ifPresent(builder::region);
        endpoint(serviceEndpointSuffix).ifPresent(builder::endpointOverride);
        C client = builder.build();
        built.add((SdkAutoCloseable) client);
        return client;
    }

    /**
     * The SDK's standard retries (its retryable errors, token bucket and 3 attempts) with their
     * waits drawn by {@link Jitter}: the SDK's own come from ThreadLocalRandom, whose seeds are in a
     * SnapStart snapshot. Full jitter under 100 ms doubling, 1 s when throttled, as the SDK's.
     */
    static RetryStrategy retries() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .backoffStrategy(fullJitter(Duration.ofMillis(100)))
                .throttlingBackoffStrategy(fullJitter(Duration.ofSeconds(1)))
                .build();
    }

    static BackoffStrategy fullJitter(Duration base) {
        BackoffStrategy ceiling = BackoffStrategy.exponentialDelayWithoutJitter(base, Duration.ofSeconds(20));
        return attempt -> Duration.ofMillis(Jitter.millis(0, ceiling.computeDelay(attempt).toMillis()));
    }

    /** Closes every client built here, and with them their timeout threads (the priming's are thrown away). */
    @Override
    public void close() {
        built.forEach(SdkAutoCloseable::close);
    }

    Optional<URI> endpoint(String serviceEndpointSuffix) {
        return Stream.of("AWS_ENDPOINT_URL_" + serviceEndpointSuffix, "AWS_ENDPOINT_URL")
                .map(environment::get)
                .filter(url -> url != null && !url.isBlank())
                .findFirst()
                .map(url -> URI.create(url.trim()));
    }

    Optional<Region> region() {
        String region = environment.getOrDefault("AWS_REGION", environment.get("AWS_DEFAULT_REGION"));
        return region == null || region.isBlank() ? Optional.empty() : Optional.of(Region.of(region.trim()));
    }

    private AwsCredentialsProvider credentials() {
        String key = environment.get("AWS_ACCESS_KEY_ID");
        String secret = environment.get("AWS_SECRET_ACCESS_KEY");
        if (key == null || secret == null || key.isBlank() || secret.isBlank()) {
            // SnapStart and container credentials: the default chain, resolved lazily.
            return DefaultCredentialsProvider.builder().build();
        }
        String token = environment.get("AWS_SESSION_TOKEN");
        return StaticCredentialsProvider.create(token == null || token.isBlank()
                ? AwsBasicCredentials.create(key, secret)
                : AwsSessionCredentials.create(key, secret, token));
    }
}
