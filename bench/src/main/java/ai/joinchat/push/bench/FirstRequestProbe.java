package ai.joinchat.push.bench;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.signature.SignatureVerifier;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;

/**
 * What the SnapStart priming buys the first request after a restore, measured without SnapStart:
 * in a fresh JVM, builds the send API from the environment as Lambda's constructor does, runs its
 * priming or not ({@code prime} / {@code cold}), then times the first real send (wall, and the
 * CPU of every thread of the JVM, the compiler's included). Run it with the template's
 * {@code JAVA_TOOL_OPTIONS} and {@code -Xshare:off} against local mode's backends; the command is
 * in docs/performance.md ("Cold start").
 *
 * <p>Arguments: {@code prime|cold pageId apiSecret}. Prints one line: {@code first-request <mode>
 * status <code> wall_ms <ms> cpu_ms <ms>}.
 */
public final class FirstRequestProbe {

    private FirstRequestProbe() {
    }

    public static void main(String[] args) throws Exception {
        SendApiComponents app = SendApiComponents.create(System.getenv(), Clock.systemUTC());
        if (args[0].equals("prime")) {
            app.priming().beforeCheckpoint(null);
        }
        byte[] body = ("{\"page_id\":\"" + args[1] + "\",\"recipient\":{\"id\":\"24681357\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"first request\"}}")
                .getBytes(StandardCharsets.UTF_8);
        ObjectNode event = Json.object().put("version", "2.0").put("rawPath", "/api/send_message")
                .put("rawQueryString", "").put("body", new String(body, StandardCharsets.UTF_8))
                .put("isBase64Encoded", false);
        event.putObject("headers").put("content-type", "application/json")
                .put("x-joinchat-signature", new SignatureVerifier().sign(body, args[2]));
        event.putObject("requestContext").putObject("http").put("method", "POST").put("path", "/api/send_message");
        byte[] input = Json.writeBytes(event);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        long cpu = os.getProcessCpuTime();
        long wall = System.nanoTime();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        new SendApiHandler(app).handleRequest(new ByteArrayInputStream(input), output, null);
        wall = System.nanoTime() - wall;
        cpu = os.getProcessCpuTime() - cpu;

        int status = Json.parse(output.toByteArray()).orElseThrow().path("statusCode").asInt();
        System.out.printf(Locale.ROOT, "first-request %s status %d wall_ms %.1f cpu_ms %.1f%n", args[0], status,
                wall / 1e6, cpu / 1e6);
    }
}
