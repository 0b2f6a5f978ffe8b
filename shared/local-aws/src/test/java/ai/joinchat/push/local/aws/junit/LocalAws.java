package ai.joinchat.push.local.aws.junit;

import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.local.aws.secretsmanager.SecretsManagerControls;
import ai.joinchat.push.local.aws.template.ProvisionedStack;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.ServerlessFunction;
import ai.joinchat.push.local.aws.template.StackProvisioner;
import ai.joinchat.push.local.lambda.DynamoDbStreamEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What a test gets from {@link LocalAwsExtension}: running backends with the repository's
 * template.yaml provisioned on them, the functions' environments, shared SDK clients, and
 * shortcuts for the project's secrets and queues. One instance serves every test of the JVM, so
 * tests should use their own ids (page ids, message ids) or {@link #purge(String)} what they read.
 */
public final class LocalAws implements AutoCloseable {

    static final String DEFAULT_PAGE_SECRET_PREFIX = "joinchat/pages/";
    static final String DEFAULT_APP_SECRET_ID = "joinchat/app";

    private final ObjectMapper json = new ObjectMapper();
    private final AwsBackends backends;
    private final ProvisionedStack stack;
    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final SecretsManagerClient secretsManager;
    private final DynamoDbStreamsClient streams;

    private LocalAws(AwsBackends backends, ProvisionedStack stack, DynamoDbClient dynamoDb, SqsClient sqs,
                     SecretsManagerClient secretsManager) {
        this.backends = backends;
        this.stack = stack;
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.secretsManager = secretsManager;
        this.streams = backends.dynamoDbStreams();
    }

    /** Provisions the template as stack {@code stackName} on the backends, which this object then owns. */
    public static LocalAws provision(AwsBackends backends, SamTemplate template, String stackName) {
        DynamoDbClient dynamoDb = backends.dynamoDb();
        SqsClient sqs = backends.sqs();
        SecretsManagerClient secretsManager = backends.secretsManager();
        try {
            ProvisionedStack stack = new StackProvisioner().provision(template, stackName, dynamoDb, sqs);
            return new LocalAws(backends, stack, dynamoDb, sqs, secretsManager);
        } catch (RuntimeException e) {
            dynamoDb.close();
            sqs.close();
            secretsManager.close();
            backends.close();
            throw e;
        }
    }

    public AwsBackends backends() {
        return backends;
    }

    public ProvisionedStack stack() {
        return stack;
    }

    /**
     * The environment the function would run with here: {@link AwsBackends#awsEnvironment()} plus
     * the function's variables from the template, resolved against the local stack.
     */
    public Map<String, String> functionEnvironment(String functionLogicalId) {
        Map<String, String> environment = new LinkedHashMap<>(backends.awsEnvironment());
        environment.putAll(stack.environmentOf(functionLogicalId));
        return Collections.unmodifiableMap(environment);
    }

    /** Shared client; do not close it. */
    public DynamoDbClient dynamoDb() {
        return dynamoDb;
    }

    /** Shared client; do not close it. */
    public SqsClient sqs() {
        return sqs;
    }

    /** Shared client; do not close it. */
    public SecretsManagerClient secretsManager() {
        return secretsManager;
    }

    /** Shared client; do not close it. */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return streams;
    }

    /**
     * The function's DynamoDB stream event sources as the template declares them, each calling
     * {@code invoker} (event JSON in, response JSON out; an exception is a function error); the
     * caller starts and closes them. {@code LATEST} is as of each poller's {@code start()}.
     */
    public List<DynamoDbStreamEventSourcePoller> streamEventSources(String functionLogicalId,
                                                                    Function<byte[], byte[]> invoker, JsonLogger logger) {
        return stack.template().function(functionLogicalId).dynamoDbEvents().stream()
                .map(source -> new DynamoDbStreamEventSourcePoller(streams, sqs, stack,
                        stack.stackName() + "-" + functionLogicalId, source, invoker, logger))
                .toList();
    }

    public String tableName(String tableLogicalId) {
        return stack.tableName(tableLogicalId);
    }

    public String queueUrl(String queueLogicalId) {
        return stack.queueUrl(queueLogicalId);
    }

    /**
     * Stores a page's secret at {@code PAGE_SECRET_PREFIX + pageId}:
     * {@code {"api_secret", "page_access_token", "previous_api_secret"?}}.
     */
    public void putPageSecret(String pageId, String apiSecret, String pageAccessToken, String previousApiSecretOrNull) {
        Map<String, String> value = new LinkedHashMap<>();
        value.put("api_secret", apiSecret);
        value.put("page_access_token", pageAccessToken);
        if (previousApiSecretOrNull != null) {
            value.put("previous_api_secret", previousApiSecretOrNull);
        }
        putSecret(configuredValue("PAGE_SECRET_PREFIX", DEFAULT_PAGE_SECRET_PREFIX) + pageId, value);
    }

    /** Stores the app-wide secret at {@code APP_SECRET_ID}: {@code {"app_secret", "verify_token"}}. */
    public void putAppSecret(String appSecret, String verifyToken) {
        Map<String, String> value = new LinkedHashMap<>();
        value.put("app_secret", appSecret);
        value.put("verify_token", verifyToken);
        putSecret(configuredValue("APP_SECRET_ID", DEFAULT_APP_SECRET_ID), value);
    }

    /** Creates the secret, or makes this its new current value. */
    public void putSecret(String secretId, Map<String, String> jsonFields) {
        String secretString;
        try {
            secretString = json.writeValueAsString(jsonFields);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Secret value is not serialisable", e);
        }
        try {
            secretsManager.putSecretValue(b -> b.secretId(secretId).secretString(secretString));
        } catch (ResourceNotFoundException absent) {
            secretsManager.createSecret(b -> b.name(secretId).secretString(secretString));
        }
    }

    /**
     * Receives up to {@code max} messages, waiting about a second for the first ones, with their
     * message attributes and system attributes (ApproximateReceiveCount, ...). The messages are
     * not deleted: as with any SQS receive they stay in flight for the queue's visibility timeout,
     * and the receive counts towards the queue's maxReceiveCount.
     */
    public List<Message> receiveAll(String queueLogicalId, int max) {
        String url = queueUrl(queueLogicalId);
        List<Message> received = new ArrayList<>();
        while (received.size() < max) {
            int batch = Math.min(10, max - received.size());
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url)
                    .maxNumberOfMessages(batch)
                    .waitTimeSeconds(1)
                    .messageAttributeNames("All")
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            if (messages.isEmpty()) {
                break;
            }
            received.addAll(messages);
        }
        return received;
    }

    /** Deletes every message of the queue, in flight or not. */
    public void purge(String queueLogicalId) {
        String url = queueUrl(queueLogicalId);
        sqs.purgeQueue(b -> b.queueUrl(url));
    }

    /** The in-JVM Secrets Manager's test controls (failure mode, request counts), when in use. */
    public Optional<SecretsManagerControls> secretsManagerControls() {
        return backends instanceof ControlledBackends controlled
                ? Optional.of(controlled.controls()) : Optional.empty();
    }

    @Override
    public void close() {
        streams.close();
        dynamoDb.close();
        sqs.close();
        secretsManager.close();
        backends.close();
    }

    /** A variable as the template sets it for any function, else the project's default. */
    private String configuredValue(String variable, String defaultValue) {
        for (ServerlessFunction function : stack.template().functions()) {
            if (function.environment().containsKey(variable)) {
                return stack.environmentOf(function.logicalId()).get(variable);
            }
        }
        return defaultValue;
    }
}
