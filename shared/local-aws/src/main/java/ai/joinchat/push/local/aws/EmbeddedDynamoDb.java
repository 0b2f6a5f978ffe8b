package ai.joinchat.push.local.aws;

import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * DynamoDB Local running in this JVM: in memory, one shared database for every credential and
 * region, listening on 127.0.0.1 at a free port.
 *
 * <p>This wires the same request handler as DynamoDB Local's {@code ServerRunner} with
 * {@code -inMemory -sharedDb -disableTelemetry}, but into a Jetty connector bound to the loopback
 * address with port 0, so the operating system picks the port (no probe-then-bind race) and
 * nothing is exposed beyond this machine. No telemetry is sent.
 *
 * <p>DynamoDB Local's background jobs run on non-daemon pool threads that, after shutdown, sleep
 * on for minutes before they notice it, which would keep a JVM alive. Everything DynamoDB Local
 * starts therefore runs in one thread group, which {@link #close()} interrupts.
 */
public final class EmbeddedDynamoDb implements AutoCloseable {

    private final ThreadGroup threads;
    private final Server server;
    private final LocalDynamoDBServerHandler handler;
    private final URI endpoint;

    private EmbeddedDynamoDb(ThreadGroup threads, Server server, LocalDynamoDBServerHandler handler, URI endpoint) {
        this.threads = threads;
        this.server = server;
        this.handler = handler;
        this.endpoint = endpoint;
    }

    /** On 127.0.0.1 at {@code port}; 0 picks a free one. */
    public static EmbeddedDynamoDb start(int port) {
        Sqlite4javaNatives.install();
        ThreadGroup threads = new ThreadGroup("dynamodb-local");
        FutureTask<EmbeddedDynamoDb> startup = new FutureTask<>(() -> startIn(threads, port));
        Thread starter = new Thread(threads, startup, "dynamodb-local-startup");
        starter.setDaemon(true);
        starter.start();
        try {
            return startup.get();
        } catch (ExecutionException e) {
            threads.interrupt();
            throw new IllegalStateException("DynamoDB Local did not start", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            threads.interrupt();
            throw new IllegalStateException("Interrupted while DynamoDB Local was starting", e);
        }
    }

    /** Runs on a thread of {@code threads}, so that every thread DynamoDB Local makes belongs to it. */
    private static EmbeddedDynamoDb startIn(ThreadGroup threads, int port) throws Exception {
        // -inMemory -sharedDb, no -delayTransientStatuses
        LocalDynamoDBServerHandler handler =
                new LocalDynamoDBServerHandler(new LocalDynamoDBRequestHandler(0, true, null, true, false), null);
        QueuedThreadPool requestThreads = new QueuedThreadPool(200, 4, 60_000, -1, null, threads);
        requestThreads.setName("dynamodb-local");
        requestThreads.setDaemon(true);
        Server server = new Server(requestThreads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler();
        context.setHandler(handler);
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server, handler);
            throw e;
        }
        URI endpoint = URI.create("http://127.0.0.1:" + connector.getLocalPort());
        return new EmbeddedDynamoDb(threads, server, handler, endpoint);
    }

    /** The endpoint to give the SDK, e.g. {@code http://127.0.0.1:41234}. */
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        stopQuietly(server, handler);
        threads.interrupt();
    }

    private static void stopQuietly(Server server, LocalDynamoDBServerHandler handler) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // shutting down: nothing useful to do
        }
        handler.close();
    }
}
