package ai.joinchat.push.local;

/**
 * An invocation that did not produce a response: the function reported an error (its
 * {@code errorType} and {@code errorMessage}), it timed out, its runtime failed to initialise or
 * its execution environment went away. Lambda's own error types are used where they exist
 * ({@code Sandbox.Timedout}, {@code Runtime.ExitError}, ...).
 */
public final class LambdaInvocationException extends RuntimeException {

    private final String errorType;
    private final String errorMessage;

    public LambdaInvocationException(String functionName, String errorType, String errorMessage) {
        super(functionName + ": " + errorType + ": " + errorMessage);
        this.errorType = errorType;
        this.errorMessage = errorMessage;
    }

    public String errorType() {
        return errorType;
    }

    public String errorMessage() {
        return errorMessage;
    }

    /** True when Lambda would have stopped the invocation for running past the function's timeout. */
    public boolean isTimeout() {
        return "Sandbox.Timedout".equals(errorType);
    }
}
