package ai.joinchat.push.tools;

import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.signature.CallbackSignature;
import ai.joinchat.push.signature.SignatureVerifier;
import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.signature.WebhookSignatureVerifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code sign}: prints the signature of a request body, computed over its exact bytes (see
 * {@link #USAGE}). Only the signature goes to standard output, so {@code $(...)} can use it; with
 * {@code --timestamp} the output is the two header lines of the timestamped form, ready for
 * {@code curl -H @file}.
 */
public final class SignCommand {

    static final String USAGE = """
            Usage: sign --secret <secret> [--timestamp | --webhook] [--file <body file> | --data '<body>']
                   sign --ref --page <page id> --uuid <uuid> --secret <api_secret>
                   sign --callback --secret whsec_... --id <webhook-id> [--timestamp <unix seconds>] --file <body>
                   sign --verify-callback --secret whsec_... --id <webhook-id> --timestamp <unix seconds>
                        --signature '<webhook-signature>' --file <body>
              Prints the signature of the exact bytes of the body (standard input when neither
              --file nor --data is given).
              default      Base64(HMAC-SHA256(api_secret, body))  for the x-joinchat-signature header
              --timestamp  two header lines, valid for 5 minutes (recommended):
                             x-joinchat-timestamp: <unix seconds now>
                             x-joinchat-signature: Base64(HMAC-SHA256(api_secret, "<timestamp>." + body))
              --webhook    sha256=<hex HMAC-SHA256(app_secret, body)>  for the X-Hub-Signature-256 header
              --ref        the signed ref uuid=<uuid>;sig=<base64url HMAC-SHA256(api_secret, "<page>:<uuid>")>
                           on the first line, a ready https://m.me/<page>?ref=<url-encoded ref> on the second
              --callback   the three headers of a status callback (Standard Webhooks), timestamp now by default:
                             webhook-id, webhook-timestamp,
                             webhook-signature: v1,Base64(HMAC-SHA256(key, "<id>.<timestamp>." + body))
                           where key is the bytes Base64-decoded from callback_secret after "whsec_"
              --verify-callback  exit 0 when one of the signature's v1, entries is valid and the timestamp is
                           within 5 minutes of now, 1 otherwise (with the reason on standard error)
            Examples:
              sign --secret demo-api-secret --file body.json
              sign --timestamp --secret demo-api-secret --file body.json > headers.txt   (curl -H @headers.txt)
              sign --ref --page 1234567890 --uuid user-42 --secret demo-api-secret
              sign --callback --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --id msg_1 --file event.json
            """;

    private static final Set<String> OPTIONS = Set.of("--secret", "--data", "--file", "--page", "--uuid", "--id",
            "--signature");
    private static final Set<String> FLAGS = Set.of("--webhook", "--timestamp", "--ref", "--callback", "--verify-callback");

    private SignCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs the command; returns the process exit status. */
    static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
        return run(args, stdin, out, err, Clock.systemUTC());
    }

    /** As {@link #run(String[], InputStream, PrintStream, PrintStream)}, timestamps from {@code clock}. */
    static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, Clock clock) {
        Map<String, String> values = new HashMap<>();
        Set<String> flags = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (OPTIONS.contains(arg) && i + 1 < args.length) {
                values.put(arg, args[++i]);
            } else if (arg.equals("--timestamp") && i + 1 < args.length && args[i + 1].matches("[0-9]{1,12}")) {
                values.put(arg, args[++i]);
            } else if (FLAGS.contains(arg)) {
                flags.add(arg);
            } else if (arg.equals("-h") || arg.equals("--help")) {
                out.print(USAGE);
                return 0;
            } else {
                err.println(OPTIONS.contains(arg) ? arg + " needs a value" : "unknown argument: " + arg);
                err.print(USAGE);
                return 2;
            }
        }
        String secret = values.get("--secret");
        String data = values.get("--data");
        String file = values.get("--file");
        if (secret == null || secret.isEmpty()) {
            err.println("--secret is required");
            err.print(USAGE);
            return 2;
        }
        if (flags.contains("--webhook") && flags.contains("--timestamp")) {
            err.println("--timestamp is for the send API's signature, not --webhook");
            return 2;
        }
        if (flags.contains("--ref")) {
            return signedRef(values.get("--page"), values.get("--uuid"), secret, out, err);
        }
        if (data != null && file != null) {
            err.println("give either --data or --file, not both");
            return 2;
        }
        byte[] body;
        try {
            body = data != null ? data.getBytes(StandardCharsets.UTF_8)
                    : file != null ? Files.readAllBytes(Path.of(file)) : stdin.readAllBytes();
        } catch (IOException e) {
            err.println("cannot read the body: " + e.getMessage());
            return 1;
        }
        boolean callback = flags.contains("--callback");
        if (callback || flags.contains("--verify-callback")) {
            return callback(callback, values, body, clock, out, err);
        }
        if (values.containsKey("--timestamp")) {
            err.println("--timestamp <unix seconds> is for --callback and --verify-callback");
            return 2;
        }
        if (flags.contains("--timestamp")) {
            long now = clock.instant().getEpochSecond();
            out.println("x-joinchat-timestamp: " + now);
            out.println("x-joinchat-signature: " + new SignatureVerifier().signTimestamped(body, now, secret));
            return 0;
        }
        out.println(flags.contains("--webhook") ? webhookSignature(body, secret) : apiSignature(body, secret));
        return 0;
    }

    private static int signedRef(String page, String uuid, String secret, PrintStream out, PrintStream err) {
        if (page == null || !page.matches("[0-9]{1,20}")) {
            err.println("--ref needs --page <page id> (digits)");
            return 2;
        }
        if (uuid == null || Recipient.uuid(uuid).isEmpty()) {
            err.println("--ref needs --uuid <uuid> (1-128 visible characters)");
            return 2;
        }
        String signed = SignedRef.signedRef(page, uuid, secret);
        out.println(signed);
        out.println("https://m.me/" + page + "?ref=" + URLEncoder.encode(signed, StandardCharsets.UTF_8));
        return 0;
    }

    private static int callback(boolean sign, Map<String, String> values, byte[] body, Clock clock, PrintStream out,
                                PrintStream err) {
        var key = CallbackSignature.key(values.get("--secret"));
        String id = values.get("--id");
        String timestamp = values.get("--timestamp");
        String signature = values.get("--signature");
        if (key.isEmpty()) {
            err.println("--secret must be a callback_secret: whsec_ and Base64 of at least 16 bytes");
            return 2;
        }
        if (id == null || id.isBlank()) {
            err.println("--id <webhook-id> is required");
            return 2;
        }
        if (sign) {
            long seconds = timestamp != null ? Long.parseLong(timestamp) : clock.instant().getEpochSecond();
            out.println("webhook-id: " + id);
            out.println("webhook-timestamp: " + seconds);
            out.println("webhook-signature: " + CallbackSignature.header(id, seconds, body, List.of(key.get())));
            return 0;
        }
        if (timestamp == null || signature == null) {
            err.println("--verify-callback needs --timestamp <unix seconds> and --signature '<webhook-signature>'");
            return 2;
        }
        if (Math.abs(Long.parseLong(timestamp) - clock.instant().getEpochSecond()) > CallbackSignature.TOLERANCE.toSeconds()) {
            err.println("invalid: the timestamp is more than 5 minutes from now");
            return 1;
        }
        if (!CallbackSignature.verify(id, timestamp, body, signature, key.get(), clock.instant())) {
            err.println("invalid: no v1 signature matches this secret, id, timestamp and body");
            return 1;
        }
        out.println("valid");
        return 0;
    }

    /** {@code x-joinchat-signature}: Base64 of HMAC-SHA256 keyed with the page's api_secret. */
    public static String apiSignature(byte[] body, String apiSecret) {
        return new SignatureVerifier().sign(body, apiSecret);
    }

    /** {@code X-Hub-Signature-256}: {@code sha256=} and the lowercase hex HMAC-SHA256 keyed with the app secret. */
    public static String webhookSignature(byte[] body, String appSecret) {
        return new WebhookSignatureVerifier().sign(body, appSecret);
    }
}
