package ai.joinchat.push.aws;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one place that bounds an AWS SDK call by the invocation's {@link Deadline}, translates its
 * failures and reads what they prove (may a retry succeed, did the call certainly change nothing).
 * AWS error messages name attributes and limits, never item values, so {@link #describe} may log them.
 */
public final class SdkFailures {

    private static final Set<String> THROTTLING_CODES = Set.of(
            "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling",
            "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
            "SlowDown", "TransactionInProgressException", "LimitExceededException",
            "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException");

    private SdkFailures() {
    }

    /** Runs one SDK call; a failure other than a failed condition (an answer) becomes unavailable. */
    public static <T> T call(String dependency, Supplier<T> call) {
        try {
            return call.get();
        } catch (ConditionalCheckFailedException e) {
            throw e;
        } catch (SdkException e) {
            throw new DependencyUnavailableException(dependency, e);
        }
    }

    public static void run(String dependency, Runnable call) {
        call(dependency, () -> {
            call.run();
            return null;
        });
    }

    /**
     * The per-request override that ends a call (with its retries) by {@code deadline}; an expired
     * deadline throws {@link DependencyUnavailableException} at once, without a call.
     */
    public static Consumer<AwsRequestOverrideConfiguration.Builder> within(Deadline deadline, String dependency) {
        if (deadline.expired()) {
            throw deadlinePassed(dependency);
        }
        Duration timeout = deadline.cap(AwsClientFactory.API_CALL_TIMEOUT);
        return o -> o.apiCallTimeout(timeout);
    }

    /** Refused before any request was sent: the invocation's deadline had passed. */
    public static DependencyUnavailableException deadlinePassed(String dependency) {
        return new DependencyUnavailableException(dependency, new TimeoutException("invocation deadline passed"));
    }

    /** The pause before retry {@code attempt} (1 for the first): {@code first}, doubled each time up to 16 times it. */
    public static Duration backoff(Duration first, int attempt) {
        return first.multipliedBy(1L << Math.min(Math.max(attempt - 1, 0), 4));
    }

    /** An interruption (the invocation is ending) makes the dependency unavailable. */
    public static void pauseBeforeRetry(String dependency, long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DependencyUnavailableException(dependency, e);
        }
    }

    /**
     * True when every attempt (the SDK's retries are its suppressed exceptions) was refused with a
     * 4xx, could not connect, or was never made ({@link #deadlinePassed}). A timeout, a cut
     * connection or a 5xx after the request left proves nothing.
     */
    public static boolean certainlyNotApplied(Throwable failure) {
        Throwable sdk = failure instanceof DependencyUnavailableException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (sdk instanceof TimeoutException && failure instanceof DependencyUnavailableException) {
            return true; // refused by deadlinePassed(): no call was made
        }
        return refused(sdk) && Arrays.stream(sdk.getSuppressed()).allMatch(SdkFailures::refused);
    }

    private static boolean refused(Throwable attempt) {
        if (attempt instanceof AwsServiceException service) {
            return service.statusCode() >= 400 && service.statusCode() < 500;
        }
        return first(attempt, ConnectException.class) != null || first(attempt, UnknownHostException.class) != null
                || first(attempt, NoRouteToHostException.class) != null;
    }

    /** Only a service's 4xx answer other than throttling is deterministic; no answer at all is transient. */
    public static boolean isTransient(Throwable failure) {
        SdkServiceException service = first(failure, SdkServiceException.class);
        if (service == null) {
            return true;
        }
        String code = service instanceof AwsServiceException aws ? errorCode(aws) : null;
        return code != null && THROTTLING_CODES.contains(code)
                || service.isThrottlingException() || service.statusCode() >= 500 || service.statusCode() == 429;
    }

    /**
     * True only for a {@code ValidationException} (an item over 400 KB, a bad key): the same
     * request can never succeed. Other deterministic failures (access denied, a missing table) are
     * the deployment's, which an operator fixes: that work must be retried, not dropped.
     */
    public static boolean invalidRequest(Throwable failure) {
        AwsServiceException service = first(failure, AwsServiceException.class);
        return service != null && service.statusCode() == 400 && "ValidationException".equals(errorCode(service));
    }

    /** The AWS error code of the failure or of its first AWS cause, e.g. {@code ValidationException}; null if none. */
    public static String errorCode(Throwable failure) {
        AwsServiceException service = first(failure, AwsServiceException.class);
        if (service == null) {
            return null;
        }
        AwsErrorDetails details = service.awsErrorDetails();
        return details != null && details.errorCode() != null ? details.errorCode() : service.getClass().getSimpleName();
    }

    /** One line for logs: the first AWS cause (else the innermost) with its error code and message. */
    public static String describe(Throwable failure) {
        Throwable subject = first(failure, AwsServiceException.class);
        if (subject == null) {
            subject = failure;
            while (subject.getCause() != null && subject.getCause() != subject) {
                subject = subject.getCause();
            }
        }
        StringBuilder text = new StringBuilder(subject.getClass().getSimpleName());
        AwsErrorDetails details = subject instanceof AwsServiceException service ? service.awsErrorDetails() : null;
        if (details != null) {
            if (details.errorCode() != null) {
                text.append(" [").append(details.errorCode()).append(']');
            }
            if (details.errorMessage() != null) {
                text.append(' ').append(bounded(details.errorMessage()));
            }
        } else if (subject.getMessage() != null) {
            text.append(' ').append(bounded(subject.getMessage()));
        }
        return text.toString();
    }

    /** The failure or its first cause of this type; null if none. */
    private static <T extends Throwable> T first(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String bounded(String message) {
        return message.length() <= 300 ? message : message.substring(0, 300) + "...";
    }
}
