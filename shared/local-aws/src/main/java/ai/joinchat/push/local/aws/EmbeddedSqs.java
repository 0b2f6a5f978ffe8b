package ai.joinchat.push.local.aws;

import java.net.URI;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/**
 * An SQS-compatible server (ElasticMQ) running in this JVM on 127.0.0.1 at a free port. It speaks
 * both SQS protocols (the AWS JSON protocol the current SDK uses, and the older query protocol)
 * and supports delays, visibility timeouts, message attributes, receive counts and redrive to a
 * dead-letter queue. Queue ARNs use account {@value #ACCOUNT_ID}, like the template's
 * {@code AWS::AccountId}. ElasticMQ ignores MessageRetentionPeriod: GetQueueAttributes does not
 * report it.
 */
public final class EmbeddedSqs implements AutoCloseable {

    public static final String ACCOUNT_ID = "000000000000";

    private final SQSRestServer server;
    private final URI endpoint;

    private EmbeddedSqs(SQSRestServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /** On 127.0.0.1 at {@code port}; 0 picks a free one. */
    public static EmbeddedSqs start(String region, int port) {
        SQSRestServer server = SQSRestServerBuilder
                .withInterface("127.0.0.1")
                .withPort(port)
                .withAWSRegion(region)
                .withAWSAccountId(ACCOUNT_ID)
                .start();
        int boundPort = server.waitUntilStarted().localAddress().getPort();
        return new EmbeddedSqs(server, URI.create("http://127.0.0.1:" + boundPort));
    }

    /** The endpoint to give the SDK, e.g. {@code http://127.0.0.1:41235}. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        server.stopAndWait();
    }
}
