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
 * <p>Arguments: {@code prime|cold pageId apiSecret [primings [sends]]}: the priming run {@code primings}
 * times (default 1), then {@code sends} sends (default 1). Prints one line: {@code first-request <mode>
 * status <code> wall_ms <ms> cpu_ms <ms>}, and with several sends their mean wall and CPU.
 */
public final class FirstRequestProbe {

    private FirstRequestProbe() {
    }

    public static void main(String[] args) throws Exception {
        SendApiComponents app = SendApiComponents.create(System.getenv(), Clock.systemUTC());
        int primings = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int sends = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        if (args[0].equals("prime")) {
            for (int i = 0; i < primings; i++) {
                app.priming().beforeCheckpoint(null);
            }
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        SendApiHandler handler = new SendApiHandler(app);
        long firstWall = 0;
        long firstCpu = 0;
        long cpu = os.getProcessCpuTime();
        long wall = System.nanoTime();
        int status = 0;
        for (int i = 0; i < sends; i++) {
            status = send(handler, args[1], args[2], i);
            if (i == 0) {
                firstWall = System.nanoTime() - wall;
                firstCpu = os.getProcessCpuTime() - cpu;
            }
        }
        wall = System.nanoTime() - wall;
        cpu = os.getProcessCpuTime() - cpu;
        System.out.printf(Locale.ROOT, "first-request %s status %d wall_ms %.1f cpu_ms %.1f", args[0], status,
                firstWall / 1e6, firstCpu / 1e6);
        if (sends > 1) {
            System.out.printf(Locale.ROOT, " primings %d sends %d mean_wall_ms %.2f mean_cpu_ms %.2f", primings,
                    sends, wall / 1e6 / sends, cpu / 1e6 / sends);
        }
        System.out.println();
    }

    /** One signed send of a text message to PSID 24681357 on {@code pageId}; returns its status. */
    private static int send(SendApiHandler handler, String pageId, String apiSecret, int n) throws Exception {
        byte[] body = ("{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"24681357\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"request " + n + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        ObjectNode event = Json.object().put("version", "2.0").put("rawPath", "/api/send_message")
                .put("rawQueryString", "").put("body", new String(body, StandardCharsets.UTF_8))
                .put("isBase64Encoded", false);
        event.putObject("headers").put("content-type", "application/json")
                .put("x-joinchat-signature", new SignatureVerifier().sign(body, apiSecret));
        event.putObject("requestContext").putObject("http").put("method", "POST").put("path", "/api/send_message");
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(Json.writeBytes(event)), output, null);
        return Json.parse(output.toByteArray()).orElseThrow().path("statusCode").asInt();
    }
}
