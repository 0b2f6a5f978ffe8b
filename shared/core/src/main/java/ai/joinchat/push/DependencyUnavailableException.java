package ai.joinchat.push;

import ai.joinchat.push.aws.SdkFailures;

/**
 * An AWS dependency failed or timed out: callers answer 503 or leave the work for a retry. The
 * webhook skips an event whose failure is not {@link #isTransient()}, so one bad event cannot
 * fail its batch forever. The message keeps the AWS error, never a request's data.
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

    public String errorCode() {
        return errorCode;
    }
}
