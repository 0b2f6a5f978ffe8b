package ai.joinchat.push.aws;

import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The one place that translates AWS SDK failures and reads what they prove: every adapter turns
 * a failed call into a {@link DependencyUnavailableException} here ({@link #call},
 * {@link #unavailable}), and this class decides whether it is worth retrying
 * ({@link #isTransient}) and whether the call certainly changed nothing
 * ({@link #certainlyNotApplied}).
 *
 * <ul>
 *   <li><b>Transient</b>: throttling ({@code ProvisionedThroughputExceededException},
 *       {@code ThrottlingException}, {@code RequestLimitExceeded}, HTTP 429 and the like), any
 *       5xx, timeouts, I/O and other client-side failures to reach the service (no response).
 *       The same request may succeed later.</li>
 *   <li><b>Deterministic</b>: every other service answer (4xx): {@code ValidationException}
 *       (also an item over 400 KB), {@code AccessDeniedException}, a conditional check that
 *       failed where none was expected, a missing table. Repeating the request gives the same
 *       answer.</li>
 * </ul>
 *
 * <p>{@link #describe(Throwable)} gives the error code and the service's message for logs: AWS
 * error messages name attributes and limits, never item values.
 */
public final class SdkFailures {

    private static final Set<String> THROTTLING_CODES = Set.of(
            "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling",
            "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
            "SlowDown", "TransactionInProgressException", "LimitExceededException",
            "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException");

    private SdkFailures() {
    }

    /**
     * Runs one SDK call; a failure becomes a {@link DependencyUnavailableException} naming
     * {@code dependency}. A {@link ConditionalCheckFailedException} is an answer, not a failure:
     * it reaches the caller as thrown.
     */
    public static <T> T call(String dependency, Supplier<T> call) {
        try {
            return call.get();
        } catch (ConditionalCheckFailedException e) {
            throw e;
        } catch (SdkException e) {
            throw unavailable(dependency, e);
        }
    }

    /** As {@link #call(String, Supplier)}, for a call whose answer is not needed. */
    public static void run(String dependency, Runnable call) {
        call(dependency, () -> {
            call.run();
            return null;
        });
    }

    /** {@code dependency} failed with {@code cause} (an SDK failure, a timeout, an interruption, or null). */
    public static DependencyUnavailableException unavailable(String dependency, Throwable cause) {
        return new DependencyUnavailableException(dependency, cause);
    }

    /** Refused before any request was sent: the invocation's deadline had passed. */
    public static DependencyUnavailableException deadlinePassed(String dependency) {
        return unavailable(dependency, new TimeoutException("invocation deadline passed"));
    }

    /** The pause before retry {@code attempt} (1 for the first): {@code first}, doubled each time up to 16 times it. */
    public static Duration backoff(Duration first, int attempt) {
        return first.multipliedBy(1L << Math.min(Math.max(attempt - 1, 0), 4));
    }

    /** Waits before retrying unprocessed items; an interruption (the invocation is ending) makes the dependency unavailable. */
    public static void pauseBeforeRetry(String dependency, long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(dependency, e);
        }
    }

    /**
     * True when a failed call certainly changed nothing: every attempt (the SDK's retries are its
     * suppressed exceptions) was refused by the service with a 4xx error, could not connect, or
     * was never made because the deadline had passed ({@link #deadlinePassed}). A timeout, a cut
     * connection or a 5xx after the request left proves nothing: the write may have been applied.
     */
    public static boolean certainlyNotApplied(Throwable failure) {
        Throwable sdk = failure instanceof DependencyUnavailableException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (sdk instanceof TimeoutException && failure instanceof DependencyUnavailableException) {
            return true; // refused by deadlinePassed(): no call was made
        }
        List<Throwable> attempts = new ArrayList<>();
        attempts.add(sdk);
        attempts.addAll(List.of(sdk.getSuppressed()));
        for (Throwable attempt : attempts) {
            if (!refused(attempt)) {
                return false;
            }
        }
        return true;
    }

    private static boolean refused(Throwable attempt) {
        if (attempt instanceof AwsServiceException service) {
            return service.statusCode() >= 400 && service.statusCode() < 500;
        }
        for (Throwable cause = attempt; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof NoRouteToHostException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /**
     * True when repeating the call later may succeed (see the class comment); false for
     * deterministic failures. Only a service's 4xx answer (other than throttling) is
     * deterministic: a failure to get an answer at all (I/O, timeout, interruption, unprocessed
     * items after retries) is transient.
     */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AwsServiceException service) {
                String code = errorCode(service);
                if (code != null && THROTTLING_CODES.contains(code)) {
                    return true;
                }
                return service.isThrottlingException() || service.statusCode() >= 500 || service.statusCode() == 429;
            }
            if (t instanceof SdkServiceException service) {
                return service.isThrottlingException() || service.statusCode() >= 500 || service.statusCode() == 429;
            }
        }
        return true;
    }

    /**
     * True only when the service refused the request as invalid in itself
     * ({@code ValidationException}: for DynamoDB an item over 400 KB, a key attribute too long
     * or empty, a wrong type): the same request can never succeed, whoever sends it. Every other
     * deterministic failure ({@code AccessDeniedException}, {@code ResourceNotFoundException},
     * {@code UnrecognizedClientException}, an expired token, a disabled KMS key) is the
     * deployment's, which an operator fixes: work refused that way must be retried, not dropped.
     */
    public static boolean invalidRequest(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AwsServiceException service) {
                return service.statusCode() == 400 && "ValidationException".equals(errorCode(service));
            }
        }
        return false;
    }

    /** The AWS error code of the failure or of its first AWS cause, e.g. {@code ValidationException}; null if none. */
    public static String errorCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AwsServiceException service) {
                AwsErrorDetails details = service.awsErrorDetails();
                if (details != null && details.errorCode() != null) {
                    return details.errorCode();
                }
                return t.getClass().getSimpleName();
            }
        }
        return null;
    }

    /**
     * A one-line description for logs: the innermost meaningful cause's class, its AWS error code
     * and message (e.g. {@code DynamoDbException [ValidationException] Item size has exceeded the
     * maximum allowed size}).
     */
    public static String describe(Throwable failure) {
        if (failure == null) {
            return "";
        }
        Throwable subject = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            subject = t;
            if (t instanceof AwsServiceException) {
                break;
            }
        }
        StringBuilder text = new StringBuilder(subject.getClass().getSimpleName());
        if (subject instanceof AwsServiceException service) {
            AwsErrorDetails details = service.awsErrorDetails();
            if (details != null) {
                if (details.errorCode() != null) {
                    text.append(" [").append(details.errorCode()).append(']');
                }
                if (details.errorMessage() != null) {
                    text.append(' ').append(bounded(details.errorMessage()));
                }
                return text.toString();
            }
        }
        if (subject.getMessage() != null) {
            text.append(' ').append(bounded(subject.getMessage()));
        }
        return text.toString();
    }

    /** Error messages are for a log line: the first 300 characters. */
    private static String bounded(String message) {
        return message.length() <= 300 ? message : message.substring(0, 300) + "...";
    }
}
