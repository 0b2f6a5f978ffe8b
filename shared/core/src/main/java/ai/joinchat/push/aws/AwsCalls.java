package ai.joinchat.push.aws;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** Bounds one AWS SDK call by the invocation's {@link Deadline}, and reads what a failed call proves. */
public final class AwsCalls {

    /** The most one call may take even with time to spare (the clients' own ceiling). */
    static final Duration CALL_CEILING = Duration.ofSeconds(5);

    private AwsCalls() {
    }

    /**
     * The per-request override for a call made under {@code deadline}: the call (with its
     * retries) ends by the deadline. An already expired deadline fails at once, without a call.
     *
     * @throws DependencyUnavailableException when the deadline has passed
     */
    public static Consumer<AwsRequestOverrideConfiguration.Builder> within(Deadline deadline, String dependency) {
        if (deadline.expired()) {
            throw new DependencyUnavailableException(dependency, new TimeoutException("invocation deadline passed"));
        }
        Duration timeout = deadline.cap(CALL_CEILING);
        return o -> o.apiCallTimeout(timeout);
    }

    /**
     * True when a failed call certainly changed nothing: every attempt (the SDK's retries are its
     * suppressed exceptions) was refused by the service with a 4xx error, could not connect, or
     * was never made because the deadline had passed. A timeout, a cut connection or a 5xx after
     * the request left proves nothing: the write may have been applied.
     */
    public static boolean certainlyNotApplied(Throwable failure) {
        Throwable sdk = failure instanceof DependencyUnavailableException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (sdk instanceof TimeoutException && failure instanceof DependencyUnavailableException) {
            return true; // refused by within(): no call was made
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
}
