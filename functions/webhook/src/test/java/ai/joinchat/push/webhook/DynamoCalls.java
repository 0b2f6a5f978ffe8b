package ai.joinchat.push.webhook;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An SDK interceptor on the webhook's DynamoDB client: counts the calls by operation
 * ({@code GetItem}, {@code Query}, ...) and, while {@link #throttle} names operations, fails
 * those with DynamoDB's {@code ProvisionedThroughputExceededException}; while {@link #slowMillis}
 * is set, each DynamoDB request waits that long before it is sent.
 */
final class DynamoCalls implements ExecutionInterceptor {

    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    volatile Set<String> throttle = Set.of();
    volatile long slowMillis;

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (slowMillis > 0 && "DynamoDB".equalsIgnoreCase(
                String.valueOf(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME)))) {
            try {
                Thread.sleep(slowMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (!"DynamoDB".equalsIgnoreCase(String.valueOf(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME)))) {
            return;
        }
        counts.computeIfAbsent(operation, o -> new AtomicInteger()).incrementAndGet();
        if (throttle.contains(operation)) {
            throw DynamoDbException.builder().statusCode(400).message("Rate of requests exceeds the allowed throughput.")
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException")
                            .errorMessage("Rate of requests exceeds the allowed throughput.").serviceName("DynamoDB").build())
                    .build();
        }
    }

    /** The calls since the last reset, by operation, sorted. */
    Map<String, Integer> snapshot() {
        Map<String, Integer> copy = new TreeMap<>();
        counts.forEach((operation, count) -> copy.put(operation, count.get()));
        return copy;
    }

    int total() {
        return counts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    void reset() {
        counts.clear();
    }
}
