package ai.joinchat.push.local;

import java.util.concurrent.CompletableFuture;

/** A Lambda function that can be invoked synchronously: what the gateway and the SQS event source call. */
public interface InvocableFunction {

    /** A short name for the console, such as {@code send-api}. */
    String name();

    /**
     * Invokes the function with an event (JSON bytes). Completes with the response payload, or
     * fails with a {@link LambdaInvocationException} for a function error, timeout or crash.
     */
    CompletableFuture<byte[]> invoke(byte[] event);
}
