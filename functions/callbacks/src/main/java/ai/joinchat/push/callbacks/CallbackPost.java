package ai.joinchat.push.callbacks;

import ai.joinchat.push.Deadline;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One callback POST over HTTP/1.1, safe against server-side request forgery: the host is resolved
 * here, a private, loopback, link-local (cloud metadata), unique-local, CGNAT, unspecified or
 * multicast address is refused, and the socket connects to exactly the address checked, so a DNS
 * answer that changes after the check cannot redirect it. TLS on that socket names the host (SNI)
 * and checks the certificate against it; no redirect is followed. {@code allowPrivate} (local mode)
 * lifts the address check and allows {@code http://} to loopback. {@code tls} is the JVM's default
 * in production: its trust store decides which certificates are valid.
 */
record CallbackPost(boolean allowPrivate, SSLSocketFactory tls) {

    static final int MAX_RESPONSE_HEAD = 64 * 1024;

    sealed interface Outcome {
        /** The endpoint answered; {@code retryAfter} from a 429's or 503's Retry-After (seconds). */
        record Answered(int status, Optional<Duration> retryAfter) implements Outcome {
        }

        /** No answer: unreachable, TLS refused, or no answer within the timeout ({@code timedOut}). */
        record Unreachable(String reason, boolean timedOut) implements Outcome {
        }

        /** Never sent: the URL or its address is not allowed. */
        record Refused(String reason) implements Outcome {
        }
    }

    Outcome post(URI url, Map<String, String> headers, byte[] body, Duration timeout) {
        Deadline deadline = Deadline.in(timeout);
        boolean https = "https".equalsIgnoreCase(url.getScheme());
        InetAddress address;
        try {
            address = Arrays.stream(InetAddress.getAllByName(url.getHost())).filter(a -> allowPrivate || isPublic(a))
                    .findFirst().orElse(null);
        } catch (UnknownHostException e) {
            return new Outcome.Unreachable("unknown_host", false);
        }
        if (address == null) {
            return new Outcome.Refused("private_address");
        }
        if (!https && !(allowPrivate && address.isLoopbackAddress())) {
            return new Outcome.Refused("not_https");
        }
        int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(address, port), remainingMillis(deadline));
            Socket socket = https ? tls(tls, plain, url.getHost(), port) : plain;
            socket.setSoTimeout(remainingMillis(deadline));
            if (socket instanceof SSLSocket ssl) {
                ssl.startHandshake();
            }
            write(socket.getOutputStream(), url, port, headers, body);
            return read(socket, deadline);
        } catch (SocketTimeoutException e) {
            return new Outcome.Unreachable("timeout", true);
        } catch (IOException | IllegalArgumentException e) {
            return new Outcome.Unreachable(e.getClass().getSimpleName(), false);
        }
    }

    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && first < 224 && !(first == 100 && (second & 0xc0) == 64) // 0/8, 240/4, CGNAT 100.64/10
                    && !(first == 192 && second == 0 && b[2] == 0) && !(first == 198 && (second & 0xfe) == 18);
        }
        if ((b[0] & 0xfe) == 0xfc) { // unique-local fc00::/7
            return false;
        }
        boolean nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b; // 64:ff9b::/96
        boolean compatible = Arrays.equals(Arrays.copyOf(b, 12), new byte[12]);
        if (nat64 || compatible) {
            try {
                return isPublic(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
            } catch (UnknownHostException impossible) {
                return false;
            }
        }
        return true;
    }

    private static Socket tls(SSLSocketFactory factory, Socket plain, String host, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) factory.createSocket(plain, host, port, false);
        SSLParameters parameters = ssl.getSSLParameters();
        if (!host.contains(":") && !host.matches("[0-9.]+")) {
            parameters.setServerNames(java.util.List.of(new SNIHostName(host)));
        }
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(parameters);
        return ssl;
    }

    private static void write(OutputStream out, URI url, int port, Map<String, String> headers, byte[] body)
            throws IOException {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        StringBuilder head = new StringBuilder("POST ").append(path)
                .append(url.getRawQuery() == null ? "" : "?" + url.getRawQuery()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(url.getHost()).append(url.getPort() > 0 ? ":" + port : "").append("\r\n")
                .append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** The status line and headers, at most {@link #MAX_RESPONSE_HEAD} bytes, read by the deadline; never the body. */
    private static Outcome read(Socket socket, Deadline deadline) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] head = new byte[MAX_RESPONSE_HEAD];
        int length = 0;
        String text = "";
        while (!text.contains("\r\n\r\n")) {
            socket.setSoTimeout(remainingMillis(deadline));
            int read = length < head.length ? in.read(head, length, head.length - length) : -1;
            if (read < 0) {
                return new Outcome.Unreachable(length < head.length ? "connection_closed" : "response_too_large", false);
            }
            length += read;
            text = new String(head, 0, length, StandardCharsets.ISO_8859_1);
        }
        String[] lines = text.substring(0, text.indexOf("\r\n\r\n")).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.") || !status[1].matches("[1-5][0-9][0-9]")) {
            return new Outcome.Unreachable("malformed_response", false);
        }
        int code = Integer.parseInt(status[1]);
        Optional<Duration> retryAfter = Arrays.stream(lines).skip(1)
                .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("retry-after:") && (code == 429 || code == 503))
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).filter(value -> value.matches("[0-9]{1,7}"))
                .map(value -> Duration.ofSeconds(Long.parseLong(value))).findFirst();
        return new Outcome.Answered(code, retryAfter);
    }

    private static int remainingMillis(Deadline deadline) throws SocketTimeoutException {
        long left = deadline.remaining().toMillis();
        if (left <= 0) {
            throw new SocketTimeoutException("callback timeout");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }
}
