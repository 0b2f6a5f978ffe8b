package ai.joinchat.push.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte-for-byte TCP forwarder in front of one backend, so that an AWS call from a function JVM
 * crosses a second socket as it crosses the network on Lambda: how the client writes (one segment
 * or several, with or without Nagle's algorithm) then costs what it costs there. The proxy itself
 * forwards each read at once ({@code TCP_NODELAY} on both of its sockets), as a router would.
 * {@link #forgetting} makes one that drops a connection left idle, as a NAT gateway does.
 */
final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final Thread acceptor;
    private final Duration forgetAfter;
    private volatile boolean closed;

    private TcpProxy(ServerSocket server, InetSocketAddress upstream, Duration forgetAfter) {
        this.server = server;
        this.upstream = upstream;
        this.forgetAfter = forgetAfter;
        this.acceptor = daemon("tcp-proxy-" + upstream.getPort(), this::accept);
    }

    static TcpProxy start(URI upstream) {
        return forgetting(upstream, null);
    }

    /**
     * A proxy that forgets a connection once it has carried nothing for {@code idle} (never, when
     * null): the client is not told, and the next bytes it sends are answered with a reset, as a NAT
     * gateway answers a connection past its idle timeout.
     */
    static TcpProxy forgetting(URI upstream, Duration idle) {
        try {
            ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            TcpProxy proxy = new TcpProxy(server, new InetSocketAddress(upstream.getHost(), upstream.getPort()), idle);
            proxy.acceptor.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a TCP proxy for " + upstream, e);
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket backend = new Socket();
                backend.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                backend.connect(upstream, 5000);
                AtomicLong lastBytes = new AtomicLong(System.nanoTime());
                daemon("tcp-proxy-up", () -> pump(client, backend, lastBytes, forgetAfter)).start();
                daemon("tcp-proxy-down", () -> pump(backend, client, lastBytes, null)).start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private static void pump(Socket from, Socket to, AtomicLong lastBytes, Duration forgetAfter) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                if (forgetAfter != null && System.nanoTime() - lastBytes.get() > forgetAfter.toNanos()) {
                    from.setSoLinger(true, 0); // closed below: a reset, and nothing forwarded
                    return;
                }
                lastBytes.set(System.nanoTime());
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side closed: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
