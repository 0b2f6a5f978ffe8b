package ai.joinchat.push.worker;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

/** A Lambda context with a fixed remaining time. */
final class FakeLambdaContext implements Context {

    private final int remainingMillis;

    FakeLambdaContext(int remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    @Override public String getAwsRequestId() { return "req-1"; }
    @Override public String getLogGroupName() { return "/aws/lambda/worker"; }
    @Override public String getLogStreamName() { return "stream"; }
    @Override public String getFunctionName() { return "WorkerFunction"; }
    @Override public String getFunctionVersion() { return "1"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:123456789012:function:worker"; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getRemainingTimeInMillis() { return remainingMillis; }
    @Override public int getMemoryLimitInMB() { return 1024; }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override public void log(String message) { }
            @Override public void log(byte[] message) { }
        };
    }
}
