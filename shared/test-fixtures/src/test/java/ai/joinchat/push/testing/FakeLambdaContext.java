package ai.joinchat.push.testing;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.time.Duration;
import java.util.UUID;
import java.util.function.IntSupplier;

/** A Lambda context whose remaining time is fixed or counts down from the invocation's start. */
public final class FakeLambdaContext implements Context {

    private final String requestId = UUID.randomUUID().toString();
    private final IntSupplier remainingMillis;

    /** Always {@code remainingMillis} left. */
    public FakeLambdaContext(int remainingMillis) {
        this(() -> remainingMillis);
    }

    private FakeLambdaContext(IntSupplier remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    /** {@code remaining} left now, less as time passes, as Lambda counts. */
    public static FakeLambdaContext countingDown(Duration remaining) {
        long end = System.nanoTime() + remaining.toNanos();
        return new FakeLambdaContext(() -> (int) Math.max(0, (end - System.nanoTime()) / 1_000_000));
    }

    @Override public String getAwsRequestId() { return requestId; }
    @Override public String getLogGroupName() { return "/aws/lambda/test"; }
    @Override public String getLogStreamName() { return "test"; }
    @Override public String getFunctionName() { return "test"; }
    @Override public String getFunctionVersion() { return "$LATEST"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:123456789012:function:test"; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getRemainingTimeInMillis() { return remainingMillis.getAsInt(); }
    @Override public int getMemoryLimitInMB() { return 1024; }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override public void log(String message) { }
            @Override public void log(byte[] message) { }
        };
    }
}
