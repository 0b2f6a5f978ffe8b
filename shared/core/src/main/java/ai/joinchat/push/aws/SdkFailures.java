package ai.joinchat.push.aws;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkServiceException;

import java.util.Set;

/**
 * The one place that decides whether an AWS SDK failure is worth retrying.
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
