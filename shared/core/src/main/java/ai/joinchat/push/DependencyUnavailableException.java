package ai.joinchat.push;

import ai.joinchat.push.aws.SdkFailures;

/**
 * An AWS dependency (SQS, DynamoDB, Secrets Manager) failed or timed out. Callers answer 503
 * (API) or leave the work for a retry (worker, webhook); nothing is half-done.
 *
 * <p>{@link #isTransient()} says whether a retry may succeed ({@link SdkFailures}): the webhook
 * answers 500 for a transient failure, so Facebook redelivers, and skips an event whose failure
 * is deterministic (an item DynamoDB rejects), so one bad event cannot fail its batch forever.
 * The message keeps the AWS error code and the service's message, never a request's data.
 */
public class DependencyUnavailableException extends RuntimeException {

    private final boolean transientFailure;
    private final String errorCode;

    public DependencyUnavailableException(String dependency, Throwable cause) {
        super(dependency + " unavailable: " + (cause == null ? "" : SdkFailures.describe(cause)), cause);
        this.transientFailure = cause == null || SdkFailures.isTransient(cause);
        this.errorCode = SdkFailures.errorCode(cause);
    }

    /** True when a retry may succeed (throttling, 5xx, timeout, I/O); false when it would fail the same way. */
    public boolean isTransient() {
        return transientFailure;
    }

    /** The AWS error code, e.g. {@code ValidationException}; null when the failure has none (I/O, timeout). */
    public String errorCode() {
        return errorCode;
    }
}
