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

/**
 * A byte-for-byte TCP forwarder in front of one backend, so that an AWS call from a function JVM
 * crosses a second socket as it crosses the network on Lambda: how the client writes (one segment
 * or several, with or without Nagle's algorithm) then costs what it costs there. The proxy itself
 * forwards each read at once ({@code TCP_NODELAY} on both of its sockets), as a router would.
 */
final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final Thread acceptor;
    private volatile boolean closed;

    private TcpProxy(ServerSocket server, InetSocketAddress upstream) {
        this.server = server;
        this.upstream = upstream;
        this.acceptor = daemon("tcp-proxy-" + upstream.getPort(), this::accept);
    }

    static TcpProxy start(URI upstream) {
        try {
            ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            TcpProxy proxy = new TcpProxy(server, new InetSocketAddress(upstream.getHost(), upstream.getPort()));
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
                daemon("tcp-proxy-up", () -> pump(client, backend)).start();
                daemon("tcp-proxy-down", () -> pump(backend, client)).start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
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
