package ai.joinchat.push.local.aws.junit;

import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.local.aws.LocalStackAwsBackends;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * {@link LocalAwsExtension} over LocalStack in Docker ({@link LocalStackAwsBackends}) instead of
 * the in-JVM backends: the same {@link LocalAws} parameter and stack. Where no Docker engine is
 * reachable (or Testcontainers is not on the classpath) the tests are reported disabled, never
 * failed; the check is made once per JVM and gives up after {@value #DOCKER_CHECK_SECONDS} s.
 */
public class LocalStackExtension extends LocalAwsExtension implements ExecutionCondition {

    static final int DOCKER_CHECK_SECONDS = 15;

    private static Boolean dockerAvailable;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return isDockerAvailable()
                ? ConditionEvaluationResult.enabled("Docker is available for LocalStack")
                : ConditionEvaluationResult.disabled("Docker is not available: LocalStack tests are skipped");
    }

    @Override
    protected String backendName() {
        return "localstack";
    }

    @Override
    protected AwsBackends startBackends() {
        return LocalStackAwsBackends.start();
    }

    static synchronized boolean isDockerAvailable() {
        if (dockerAvailable == null) {
            dockerAvailable = probeDocker(Duration.ofSeconds(DOCKER_CHECK_SECONDS));
        }
        return dockerAvailable;
    }

    private static boolean probeDocker(Duration timeout) {
        CompletableFuture<Boolean> probe = new CompletableFuture<>();
        Thread prober = new Thread(() -> {
            try {
                probe.complete(DockerClientFactory.instance().isDockerAvailable());
            } catch (Throwable unavailable) {
                probe.complete(false);
            }
        }, "docker-availability-check");
        prober.setDaemon(true);
        prober.start();
        try {
            return probe.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception timedOutOrFailed) {
            return false;
        }
    }
}
