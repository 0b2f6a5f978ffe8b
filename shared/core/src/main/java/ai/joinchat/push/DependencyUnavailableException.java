package ai.joinchat.push;

/**
 * An AWS dependency (SQS, DynamoDB, Secrets Manager) failed or timed out. Callers answer 503
 * (API) or leave the work for a retry (worker, webhook); nothing is half-done.
 */
public class DependencyUnavailableException extends RuntimeException {

    public DependencyUnavailableException(String dependency, Throwable cause) {
        super(dependency + " unavailable: " + (cause == null ? "" : cause.getClass().getSimpleName()), cause);
    }
}
