package ai.joinchat.push;

import ai.joinchat.push.aws.SdkFailures;

/**
 * An AWS dependency failed or timed out: callers answer 503 or leave the work for a retry. The
 * webhook skips an event whose failure is not {@link #isTransient()}, so one bad event cannot
 * fail its batch forever. The message keeps the AWS error, never a request's data.
 */
public class DependencyUnavailableException extends RuntimeException {

    public DependencyUnavailableException(String dependency, Throwable cause) {
        super(dependency + " unavailable: " + (cause == null ? "" : SdkFailures.describe(cause)), cause);
    }

    /** True when a retry may succeed (throttling, 5xx, timeout, I/O); false when it would fail the same way. */
    public boolean isTransient() {
        return getCause() == null || SdkFailures.isTransient(getCause());
    }

    public String errorCode() {
        return SdkFailures.errorCode(getCause());
    }
}
