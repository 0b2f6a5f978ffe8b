package ai.joinchat.push.aws;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;

import java.time.Duration;
import java.util.function.Consumer;

/** Bounds one AWS SDK call by the invocation's {@link Deadline} (what a failed call proves: {@link SdkFailures}). */
public final class AwsCalls {

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
            throw SdkFailures.deadlinePassed(dependency);
        }
        Duration timeout = deadline.cap(AwsClientFactory.API_CALL_TIMEOUT);
        return o -> o.apiCallTimeout(timeout);
    }
}
