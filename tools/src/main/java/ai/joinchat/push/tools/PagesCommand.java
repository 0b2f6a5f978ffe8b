package ai.joinchat.push.tools;

import ai.joinchat.push.aws.AwsClientFactory;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.CallbackSignature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.Filter;
import software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType;
import software.amazon.awssdk.services.secretsmanager.model.ListSecretsRequest;
import software.amazon.awssdk.services.secretsmanager.model.ListSecretsResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretListEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code pages <command> ...} (see {@link #USAGE}): a page's lifecycle in its Secrets Manager
 * secret {@code ${PAGE_SECRET_PREFIX}<page_id>}, without hand-written JSON. Works against AWS (the
 * standard credential chain and region) or any endpoint in {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}
 * (local mode's). Prints no secret except a newly generated one, once; the page token is read from
 * stdin or a file, never from the command line. Fields it does not know are kept as they are.
 */
public final class PagesCommand {

    static final String USAGE = """
            Usage: pages <command> [arguments]
              add <page_id> [--token-file FILE]   create the page: a new api_secret (printed once) and the page
                                                  access token, read from FILE or stdin (never an argument)
              rotate <page_id>                    new api_secret (printed once); the old one keeps working as
                                                  previous_api_secret until finish-rotation
              finish-rotation <page_id>           only the new api_secret works from now on
              set <page_id> key=value ...         require_timestamp=true|false, unsigned_refs=first|latest|never,
                                                  callback_url=https://...  (an empty value removes it)
              rotate-callback-secret <page_id>    new callback_secret whsec_<Base64> (printed once); the old one
                                                  signs too, as previous_callback_secret, until
              finish-callback-rotation <page_id>  callbacks carry the current callback_secret's signature only
              show <page_id>                      the page's settings (never its secrets)
              list                                every page with its settings
              remove <page_id> --yes              delete the page's secret at once (no recovery window)
            Environment:
              PAGE_SECRET_PREFIX                  the stack's PageSecretPrefix (default joinchat/pages/)
              AWS_REGION, AWS_PROFILE, ...        the standard AWS SDK settings
              AWS_ENDPOINT_URL_SECRETS_MANAGER    another endpoint, e.g. local mode's (its banner prints it)
            Changes reach the functions within SecretCacheTtlSeconds (default 300 s).
            Exit status: 0 done, 1 refused (no such page, page exists, rotation in progress), 2 bad usage,
              3 Secrets Manager failed or the stored secret is not valid JSON (nothing was written).
            """;

    static final String DEFAULT_PREFIX = "joinchat/pages/";
    private static final Pattern PAGE_ID = Pattern.compile("[0-9]{1,32}");
    private static final Set<String> UNSIGNED_REFS = Set.of("first", "latest", "never");
    /** Settings list and show print; everything else in a secret is a secret or unknown. */
    private static final List<String> SETTINGS = List.of("require_timestamp", "unsigned_refs", "callback_url");

    /** A refusal the operator can act on: exit status and message. */
    private static final class Refused extends RuntimeException {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final SecretsManagerClient secrets;
    private final String prefix;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final SecureRandom random = new SecureRandom();

    PagesCommand(SecretsManagerClient secrets, String prefix, InputStream in, PrintStream out, PrintStream err) {
        this.secrets = secrets;
        this.prefix = prefix;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        Map<String, String> environment = clientEnvironment(System.getenv());
        try (SecretsManagerClient client = new AwsClientFactory(environment).secretsManager()) {
            String prefix = environment.getOrDefault("PAGE_SECRET_PREFIX", DEFAULT_PREFIX);
            System.exit(new PagesCommand(client, prefix, System.in, System.out, System.err).run(args));
        }
    }

    /**
     * The environment for the SDK client: against a local endpoint (127.0.0.1 / localhost) without
     * credentials or region, the local defaults any local endpoint accepts; otherwise as it is.
     */
    static Map<String, String> clientEnvironment(Map<String, String> environment) {
        return clientEnvironment(environment, "SECRETS_MANAGER");
    }

    /** As {@link #clientEnvironment(Map)}, for the service of {@code AWS_ENDPOINT_URL_<service>}. */
    static Map<String, String> clientEnvironment(Map<String, String> environment, String service) {
        Map<String, String> result = new HashMap<>(environment);
        String endpoint = environment.getOrDefault("AWS_ENDPOINT_URL_" + service, environment.get("AWS_ENDPOINT_URL"));
        String host = endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint.trim()).getHost();
        if ("127.0.0.1".equals(host) || "localhost".equals(host)) {
            result.putIfAbsent("AWS_REGION", "us-east-1");
            if (!environment.containsKey("AWS_ACCESS_KEY_ID") && !environment.containsKey("AWS_PROFILE")) {
                result.put("AWS_ACCESS_KEY_ID", "test");
                result.put("AWS_SECRET_ACCESS_KEY", "test");
            }
        }
        return result;
    }

    /** Runs the command; returns the process exit status. */
    int run(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            return switch (args[0]) {
                case "add" -> add(args);
                case "rotate" -> rotate(args);
                case "finish-rotation" -> finishRotation(args);
                case "set" -> set(args);
                case "rotate-callback-secret" -> rotateCallbackSecret(args);
                case "finish-callback-rotation" -> finishCallbackRotation(args);
                case "show" -> show(args);
                case "list" -> list(args);
                case "remove" -> remove(args);
                default -> throw new Refused(2, "unknown command: " + args[0]);
            };
        } catch (Refused e) {
            err.println(e.getMessage());
            if (e.status == 2) {
                err.print(USAGE);
            }
            return e.status;
        } catch (SdkException e) {
            // The SDK's messages name the operation and the secret id, never a value.
            err.println("Secrets Manager failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 3;
        }
    }

    private int add(String[] args) {
        String pageId = pageId(args);
        String token = readToken(args);
        ObjectNode secret = Json.object();
        String apiSecret = newSecret();
        secret.put("api_secret", apiSecret).put("page_access_token", token);
        try {
            secrets.createSecret(request -> request.name(name(pageId)).secretString(Json.write(secret))
                    .description("JoinChat push: page " + pageId));
        } catch (ResourceExistsException e) {
            throw new Refused(1, "page " + pageId + " already exists (" + name(pageId) + "); use rotate for a new api_secret");
        }
        out.println("page " + pageId + " added as " + name(pageId));
        out.println("api_secret: " + apiSecret);
        out.println("Give it to the page's caller now: it is not shown again.");
        return 0;
    }

    private int rotate(String[] args) {
        String pageId = pageId(args);
        ObjectNode secret = read(pageId);
        if (!secret.path("previous_api_secret").asText("").isEmpty()) {
            throw new Refused(1, "page " + pageId + " is already rotating: finish-rotation first, once every caller"
                    + " uses the newest api_secret (rotating again would stop the oldest key at once)");
        }
        String apiSecret = newSecret();
        secret.put("previous_api_secret", secret.path("api_secret").asText(""));
        secret.put("api_secret", apiSecret);
        write(pageId, secret);
        out.println("page " + pageId + ": new api_secret; the previous one works until finish-rotation");
        out.println("api_secret: " + apiSecret);
        return 0;
    }

    private int finishRotation(String[] args) {
        String pageId = pageId(args);
        ObjectNode secret = read(pageId);
        if (secret.remove("previous_api_secret") == null) {
            out.println("page " + pageId + " is not rotating: nothing to finish");
            return 0;
        }
        write(pageId, secret);
        out.println("page " + pageId + ": rotation finished; only the current api_secret works (within the cache TTL)");
        return 0;
    }

    private int set(String[] args) {
        if (args.length < 3) {
            throw new Refused(2, "set needs a page id and at least one key=value");
        }
        String pageId = pageId(args);
        Map<String, String> changes = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            if (equals <= 0) {
                throw new Refused(2, "not key=value: " + args[i]);
            }
            changes.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        changes.forEach(PagesCommand::validate);
        ObjectNode secret = read(pageId);
        changes.forEach((key, value) -> {
            switch (key) {
                case "require_timestamp" -> secret.put(key, Boolean.parseBoolean(value));
                case "callback_url" -> {
                    if (value.isEmpty()) {
                        secret.remove(key);
                    } else {
                        secret.put(key, value);
                    }
                }
                default -> secret.put(key, value);
            }
        });
        write(pageId, secret);
        out.println("page " + pageId + ": " + String.join(", ", changes.keySet()) + " set");
        return 0;
    }

    private static void validate(String key, String value) {
        boolean valid = switch (key) {
            case "require_timestamp" -> value.equals("true") || value.equals("false");
            case "unsigned_refs" -> UNSIGNED_REFS.contains(value);
            case "callback_url" -> value.isEmpty() || isHttpsUrl(value);
            case "api_secret", "previous_api_secret", "page_access_token", "callback_secret" ->
                    throw new Refused(2, key + " is not set by hand: use add, rotate or rotate-callback-secret");
            default -> throw new Refused(2, "unknown setting " + key + "; settings: " + String.join(", ", SETTINGS));
        };
        if (!valid) {
            throw new Refused(2, "invalid value for " + key + (key.equals("callback_url") ? " (an absolute https URL)"
                    : key.equals("unsigned_refs") ? " (first, latest or never)" : " (true or false)"));
        }
    }

    private static boolean isHttpsUrl(String value) {
        try {
            URI uri = URI.create(value);
            return "https".equals(uri.getScheme()) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private int rotateCallbackSecret(String[] args) {
        String pageId = pageId(args);
        ObjectNode secret = read(pageId);
        if (secret.hasNonNull("previous_callback_secret")) {
            throw new Refused(1, "page " + pageId + " is already rotating its callback_secret: finish-callback-rotation"
                    + " first, once the receiver verifies with the newest one");
        }
        String callbackSecret = CallbackSignature.PREFIX + Base64.getEncoder().encodeToString(randomBytes());
        if (secret.hasNonNull("callback_secret")) {
            secret.set("previous_callback_secret", secret.get("callback_secret"));
        }
        secret.put("callback_secret", callbackSecret);
        write(pageId, secret);
        out.println("page " + pageId + ": new callback_secret (it signs the status callbacks to callback_url)"
                + (secret.has("previous_callback_secret") ? "; they also carry the previous one's signature until"
                + " finish-callback-rotation" : ""));
        out.println("callback_secret: " + callbackSecret);
        return 0;
    }

    private int finishCallbackRotation(String[] args) {
        String pageId = pageId(args);
        ObjectNode secret = read(pageId);
        if (secret.remove("previous_callback_secret") == null) {
            out.println("page " + pageId + " is not rotating its callback_secret: nothing to finish");
            return 0;
        }
        write(pageId, secret);
        out.println("page " + pageId + ": callback rotation finished; callbacks carry the current signature only");
        return 0;
    }

    private int show(String[] args) {
        String pageId = pageId(args);
        out.println(describe(pageId, read(pageId)));
        return 0;
    }

    private int list(String[] args) {
        if (args.length != 1) {
            throw new Refused(2, "list takes no arguments");
        }
        List<String> pageIds = new ArrayList<>();
        String nextToken = null;
        do {
            String token = nextToken;
            ListSecretsResponse page = secrets.listSecrets(ListSecretsRequest.builder()
                    .filters(Filter.builder().key(FilterNameStringType.NAME).values(prefix).build())
                    .maxResults(100).nextToken(token).build());
            for (SecretListEntry entry : page.secretList()) {
                // The name filter matches prefixes; a prefix ending in "/" has no sibling matches.
                if (entry.name().startsWith(prefix)) {
                    pageIds.add(entry.name().substring(prefix.length()));
                }
            }
            nextToken = page.nextToken();
        } while (nextToken != null);
        for (String pageId : pageIds.stream().sorted().toList()) {
            try {
                out.println(describe(pageId, read(pageId)));
            } catch (Refused e) {
                out.println(pageId + "  (" + e.getMessage() + ")");
            }
        }
        out.println(pageIds.size() + " page(s) under " + prefix);
        return 0;
    }

    private int remove(String[] args) {
        String pageId = pageId(args);
        if (args.length != 3 || !args[2].equals("--yes")) {
            throw new Refused(2, "remove deletes the page's secret at once: its callers get 401 within the cache TTL."
                    + " Confirm with: remove " + pageId + " --yes");
        }
        try {
            // No recovery window: a secret scheduled for deletion cannot be read, which the functions
            // would take for a failing Secrets Manager (503) rather than an unknown page (401).
            secrets.deleteSecret(request -> request.secretId(name(pageId)).forceDeleteWithoutRecovery(true));
        } catch (ResourceNotFoundException e) {
            throw new Refused(1, "no page " + pageId + " (" + name(pageId) + ")");
        }
        out.println("page " + pageId + " removed");
        return 0;
    }

    /** page_id, rotating, and the settings; never a secret. */
    private static String describe(String pageId, ObjectNode secret) {
        StringBuilder line = new StringBuilder(pageId);
        line.append("  rotating=").append(!secret.path("previous_api_secret").asText("").isEmpty());
        for (String setting : SETTINGS) {
            JsonNode value = secret.get(setting);
            if (value != null && !value.isNull()) {
                line.append("  ").append(setting).append('=').append(value.asText());
            }
        }
        line.append("  callback_secret=").append(secret.hasNonNull("callback_secret") ? "set" : "unset");
        return line.toString();
    }

    private ObjectNode read(String pageId) {
        String value;
        try {
            value = secrets.getSecretValue(request -> request.secretId(name(pageId))).secretString();
        } catch (ResourceNotFoundException e) {
            throw new Refused(1, "no page " + pageId + " (" + name(pageId) + ")");
        }
        Optional<JsonNode> parsed = value == null ? Optional.empty()
                : Json.parse(value.getBytes(StandardCharsets.UTF_8)).filter(JsonNode::isObject);
        return (ObjectNode) parsed.orElseThrow(() -> new Refused(3, "the secret " + name(pageId)
                + " is not a JSON object; fix it by hand (nothing was changed)"));
    }

    private void write(String pageId, ObjectNode secret) {
        secrets.putSecretValue(request -> request.secretId(name(pageId)).secretString(Json.write(secret)));
    }

    private String pageId(String[] args) {
        if (args.length < 2 || !PAGE_ID.matcher(args[1]).matches()) {
            throw new Refused(2, args[0] + " needs a page id (digits)");
        }
        return args[1];
    }

    private String readToken(String[] args) {
        byte[] bytes;
        try {
            if (args.length == 4 && args[2].equals("--token-file")) {
                bytes = Files.readAllBytes(Path.of(args[3]));
            } else if (args.length == 2) {
                if (System.console() != null && in == System.in) {
                    char[] typed = System.console().readPassword("page access token: ");
                    bytes = typed == null ? new byte[0] : new String(typed).getBytes(StandardCharsets.UTF_8);
                } else {
                    bytes = in.readAllBytes();
                }
            } else {
                throw new Refused(2, "add takes the page token from stdin or --token-file FILE, never as an argument");
            }
        } catch (IOException e) {
            throw new Refused(2, "cannot read the page token: " + e.getMessage());
        }
        String token = new String(bytes, StandardCharsets.UTF_8).strip();
        if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
            throw new Refused(2, "the page token is empty or contains whitespace");
        }
        return token;
    }

    private String name(String pageId) {
        return prefix + pageId;
    }

    /** 32 random bytes, base64url without padding: 43 characters, 256 bits. */
    private String newSecret() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return bytes;
    }
}
