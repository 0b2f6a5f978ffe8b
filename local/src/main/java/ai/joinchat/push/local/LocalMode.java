package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.local.aws.EmbeddedAwsBackends;
import ai.joinchat.push.local.aws.secretsmanager.LocalSecretsManager;
import ai.joinchat.push.local.aws.template.DynamoDbStreamEventSource;
import ai.joinchat.push.local.aws.template.HttpApiRoute;
import ai.joinchat.push.local.aws.template.ProvisionedQueue;
import ai.joinchat.push.local.aws.template.ProvisionedStack;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.ServerlessFunction;
import ai.joinchat.push.local.aws.template.SqsEventSource;
import ai.joinchat.push.local.aws.template.StackProvisioner;
import ai.joinchat.push.local.lambda.DynamoDbStreamEventSourcePoller;
import ai.joinchat.push.local.lambda.SqsEventSourcePoller;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.signature.CallbackSignature;
import ai.joinchat.push.signature.SignatureVerifier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The whole system on one machine, from {@code template.yaml}: embedded DynamoDB, SQS and Secrets
 * Manager provisioned as stack {@code local} and seeded with a demo page, a Graph API sandbox, each
 * function in its own JVM behind a Lambda Runtime API, the HTTP API on
 * {@code http://127.0.0.1:${PORT:-3000}} and the functions' SQS and DynamoDB stream event
 * sources with the template's settings. {@link #close()} (or Ctrl-C) stops all of it.
 */
public final class LocalMode implements AutoCloseable {

    public static final String STACK_NAME = "local";
    public static final int DEFAULT_PORT = 3000;
    /** Under the repository root; {@code mvn clean} removes it with the rest of the launcher's build output. */
    static final String CLASS_DATA_SHARING_DIRECTORY = "local/target/class-data-sharing";
    /** Generous: three JVMs starting side by side on a small machine. */
    private static final Duration FUNCTION_START_LIMIT = Duration.ofSeconds(120);
    private static final String USAGE = """
            Usage: local-mode [run] [--port <port>] [--json-logs] [--callback-url <url>]
              Starts the JoinChat push API on http://127.0.0.1:${PORT:-3000} with embedded AWS backends,
              each function in its own JVM and a Graph API sandbox. Ctrl-C stops everything.
              --port <port>  the HTTP API's port (default: $PORT, else 3000; 0 picks a free one)
              --json-logs    one JSON object per console line
              --callback-url <url>  as LOCAL_CALLBACK_URL below
            Environment:
              PORT                     the HTTP API's port
              GRAPH_API_BASE_URL       deliver through this Graph API (e.g. https://graph.facebook.com)
                                       instead of the local sandbox
              LOCAL_PAGE_ID, LOCAL_API_SECRET, LOCAL_PAGE_ACCESS_TOKEN, LOCAL_APP_SECRET,
              LOCAL_VERIFY_TOKEN       replace the seeded demo page and app secrets; a real
                                       GRAPH_API_BASE_URL requires LOCAL_PAGE_ID,
                                       LOCAL_PAGE_ACCESS_TOKEN and LOCAL_APP_SECRET
              LOCAL_CALLBACK_URL       send the demo page's status callbacks there (http:// on loopback is
                                       allowed locally); the generated callback_secret is printed
              LOCAL_CALLBACK_SECRET    that page's callback_secret (whsec_<Base64>) instead of a generated one
              LOCAL_DYNAMODB_PORT, LOCAL_SQS_PORT, LOCAL_SECRETS_MANAGER_PORT, LOCAL_GRAPH_SANDBOX_PORT
                                       fixed ports for the backends and the sandbox (default: free
                                       ones), e.g. for sam local invoke --env-vars events/env.json
            """;

    /**
     * How to run.
     *
     * @param repositoryRoot  the directory holding template.yaml and the function directories at their CodeUri
     * @param port            the HTTP API's port; 0 for a free one
     * @param graphApiBaseUrl a real Graph API for the worker, or null for the local sandbox
     * @param functionAwsEnvironment the AWS variables the functions get from the started backends: usually
     *                               {@link AwsBackends#awsEnvironment()}; the benchmark points them at a
     *                               request-counting proxy
     * @param callbackUrl     the demo page's callback_url (LOCAL_CALLBACK_URL, --callback-url), or null for none
     * @param jvmCommand      how each function's JVM is started, or null for local mode's bootstrap
     */
    public record Options(Path repositoryRoot, int port, boolean jsonLogs, String graphApiBaseUrl,
                          DemoCredentials credentials, PrintStream out,
                          Function<AwsBackends, Map<String, String>> functionAwsEnvironment, String callbackUrl,
                          FunctionProcess.JvmCommand jvmCommand) {

        /** Each function's JVM through local mode's bootstrap. */
        public Options(Path repositoryRoot, int port, boolean jsonLogs, String graphApiBaseUrl,
                       DemoCredentials credentials, PrintStream out,
                       Function<AwsBackends, Map<String, String>> functionAwsEnvironment, String callbackUrl) {
            this(repositoryRoot, port, jsonLogs, graphApiBaseUrl, credentials, out, functionAwsEnvironment, callbackUrl,
                    null);
        }

        /** Each function's JVM started by {@code command} instead (the benchmark's runtime interface client). */
        public Options withJvmCommand(FunctionProcess.JvmCommand command) {
            return new Options(repositoryRoot, port, jsonLogs, graphApiBaseUrl, credentials, out, functionAwsEnvironment,
                    callbackUrl, command);
        }

        /** Without status callbacks. */
        public Options(Path repositoryRoot, int port, boolean jsonLogs, String graphApiBaseUrl,
                       DemoCredentials credentials, PrintStream out,
                       Function<AwsBackends, Map<String, String>> functionAwsEnvironment) {
            this(repositoryRoot, port, jsonLogs, graphApiBaseUrl, credentials, out, functionAwsEnvironment, null);
        }
    }

    private final Options options;
    private final Console console;
    private final Deque<AutoCloseable> toClose = new ConcurrentLinkedDeque<>();
    private final Map<String, FunctionProcess> functions = new LinkedHashMap<>();
    private EmbeddedAwsBackends backends;
    private GraphApiSandbox sandbox;
    private HttpApiGateway gateway;
    private Path bootstrapJar;
    private ClassDataSharing classDataSharing;
    private Duration startupTime;
    private volatile boolean closed;

    private LocalMode(Options options) {
        this.options = options;
        this.console = new Console(options.out(), options.jsonLogs());
    }

    /**
     * Starts everything and returns once the API answers and every function is warm.
     *
     * @throws IllegalArgumentException when a real GRAPH_API_BASE_URL comes without real credentials
     */
    public static LocalMode start(Options options) {
        options.credentials().requireRealFor(options.graphApiBaseUrl());
        disableNagleInJdkHttpServer();
        LocalMode localMode = new LocalMode(options);
        try {
            localMode.startEverything();
            return localMode;
        } catch (RuntimeException | Error e) {
            localMode.close();
            throw e;
        }
    }

    /**
     * The JDK's HTTP server (the gateway, each Runtime API, the Secrets Manager endpoint, the Graph
     * sandbox) writes a response's headers and body in separate segments; with Nagle's algorithm on,
     * the second waits for the client's delayed ACK, about 40 ms on Linux, on every exchange. That
     * made a request that does nothing take 90 ms through the gateway and runtime instead of 3 ms
     * (./bin/bench, floor: no-work request p50). The setting is read once, when the JVM's first HTTP
     * server starts; call this before that.
     */
    public static void disableNagleInJdkHttpServer() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    public static void main(String[] args) {
        int port;
        boolean jsonLogs = false;
        String callbackUrl = System.getenv("LOCAL_CALLBACK_URL");
        try {
            String portSetting = System.getenv("PORT");
            port = portSetting == null || portSetting.isBlank() ? DEFAULT_PORT : Integer.parseInt(portSetting.trim());
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "run" -> {
                        // the default command
                    }
                    case "--json-logs" -> jsonLogs = true;
                    case "--port" -> port = Integer.parseInt(i + 1 < args.length ? args[++i] : "");
                    case "--callback-url" -> callbackUrl = i + 1 < args.length ? args[++i] : "";
                    case "-h", "--help" -> {
                        System.out.print(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e instanceof NumberFormatException ? "PORT and --port must be a number" : e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        // The embedded backends say on stderr that SLF4J has no backend, that sqlite4java cannot tell
        // its jar's version, and (DynamoDB Local's streams, through its AWS SDK 1) that JAXB is missing
        // so a built-in Base64 is used: true, harmless, and confusing on a newcomer's console.
        QUIET_LOGGERS.forEach(logger -> logger.setLevel(Level.SEVERE));
        PrintStream stderr = System.err;
        System.setErr(ConsoleLineStream.lines(line -> {
            if (!line.startsWith("SLF4J")) {
                stderr.println(line);
            }
        }));
        String graphApiBaseUrl = System.getenv("GRAPH_API_BASE_URL");
        Options options = new Options(findRepositoryRoot(), port, jsonLogs,
                graphApiBaseUrl == null || graphApiBaseUrl.isBlank() ? null : graphApiBaseUrl.trim(),
                DemoCredentials.fromEnvironment(System.getenv()), System.out, AwsBackends::awsEnvironment,
                callbackUrl == null || callbackUrl.isBlank() ? null : callbackUrl.trim());
        LocalMode localMode;
        try {
            localMode = start(options);
        } catch (RuntimeException e) {
            System.err.println("local mode could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            localMode.console.print("local", "stopping", "stopping...");
            localMode.close();
            localMode.console.print("local", "stopped", "stopped");
        }, "local-mode-shutdown"));
        try {
            new CountDownLatch(1).await(); // until Ctrl-C: the JVM then runs the hook above and exits
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Held so java.util.logging keeps the levels set on them. */
    private static final List<Logger> QUIET_LOGGERS = List.of(Logger.getLogger("com.almworks.sqlite4java"),
            Logger.getLogger("com.amazonaws"));

    public URI apiUri() {
        return gateway.baseUri();
    }

    /** The Graph API sandbox, when the worker delivers to it (not when GRAPH_API_BASE_URL is set). */
    public Optional<GraphApiSandbox> graphSandbox() {
        return Optional.ofNullable(sandbox);
    }

    public AwsBackends backends() {
        return backends;
    }

    public DemoCredentials credentials() {
        return options.credentials();
    }

    public Duration startupTime() {
        return startupTime;
    }

    /** The running functions by short name ({@code send-api}, {@code worker}, {@code webhook}). */
    public Map<String, FunctionProcess> functions() {
        return Collections.unmodifiableMap(functions);
    }

    /** Starts a function the way local mode starts its own: same bootstrap jar and archives, or same JVM command. */
    public FunctionProcess startFunction(FunctionProcess.Definition definition, Console console) {
        return options.jvmCommand() != null
                ? FunctionProcess.start(definition, options.jvmCommand(), AwsBackends.DEFAULT_REGION, console)
                : FunctionProcess.start(definition, bootstrapJar, AwsBackends.DEFAULT_REGION, console, classDataSharing);
    }

    /** Each function's cold start (JVM start + handler init), by short name. */
    public Map<String, Duration> coldStarts() {
        Map<String, Duration> coldStarts = new LinkedHashMap<>();
        functions.forEach((name, function) -> coldStarts.put(name, function.lastColdStart()));
        return coldStarts;
    }

    private void startEverything() {
        long started = System.nanoTime();
        Path root = options.repositoryRoot();
        checkPortIsFree(options.port());
        SamTemplate template = SamTemplate.read(root.resolve("template.yaml"));
        Path sharingDirectory = root.resolve(CLASS_DATA_SHARING_DIRECTORY);
        classDataSharing = ClassDataSharing.in(sharingDirectory);
        bootstrapJar = BootstrapJar.writeTo(sharingDirectory);
        checkFunctionJars(template, root);

        console.print("local", "starting", "starting the embedded AWS backends (DynamoDB Local, ElasticMQ, Secrets Manager)...");
        Map<String, String> env = System.getenv();
        backends = EmbeddedAwsBackends.start(fixedPort(env, "LOCAL_DYNAMODB_PORT"), fixedPort(env, "LOCAL_SQS_PORT"),
                fixedPort(env, "LOCAL_SECRETS_MANAGER_PORT"));
        toClose.add(backends);
        DynamoDbClient dynamoDb = backends.dynamoDb();
        SqsClient sqs = backends.sqs();
        toClose.add(dynamoDb);
        toClose.add(sqs);
        DynamoDbStreamsClient streams = backends.dynamoDbStreams();
        toClose.add(streams);
        ProvisionedStack stack = new StackProvisioner().provision(template, STACK_NAME, dynamoDb, sqs);
        console.print("local", "provisioned", "provisioned stack '" + STACK_NAME + "': tables "
                + String.join(", ", stack.tables().keySet()) + "; queues " + String.join(", ", stack.queues().keySet()));

        DemoCredentials credentials = options.credentials();
        if (options.graphApiBaseUrl() == null) {
            console.orderAfterAcceptance(); // the sandbox's line about a message comes after the send API's
            sandbox = GraphApiSandbox.start(fixedPort(env, "LOCAL_GRAPH_SANDBOX_PORT"), console,
                    Map.of(credentials.pageId(), credentials.pageAccessToken()), credentials.appSecret());
            toClose.add(sandbox);
            configureFacebookBehaviour(sandbox, env);
        }
        String graphApiBaseUrl = options.graphApiBaseUrl() != null ? options.graphApiBaseUrl() : sandbox.baseUri().toString();

        List<HttpApiGateway.Route> routes = new ArrayList<>();
        for (ServerlessFunction function : template.functions()) {
            Map<String, String> environment = new LinkedHashMap<>(stack.environmentOf(function.logicalId()));
            environment.putAll(options.functionAwsEnvironment().apply(backends));
            environment.put("AWS_DEFAULT_REGION", stack.region());
            if (environment.containsKey("GRAPH_API_BASE_URL")) {
                environment.put("GRAPH_API_BASE_URL", graphApiBaseUrl);
            }
            environment.computeIfPresent("ALLOW_PRIVATE_CALLBACKS", (name, value) -> "true");
            FunctionProcess.Definition definition = new FunctionProcess.Definition(function.shortName(),
                    STACK_NAME + "-" + function.logicalId(), function.handler(),
                    root.resolve(function.builtJar()).normalize(), function.memorySizeMb(),
                    Duration.ofSeconds(function.timeoutSeconds()), environment);
            FunctionProcess process = startFunction(definition, console);
            toClose.add(process);
            functions.put(definition.name(), process);
            for (HttpApiRoute route : function.httpApiEvents()) {
                routes.add(new HttpApiGateway.Route(route.method(), route.path(), process));
            }
        }
        // The JVMs start in the background while the secrets are seeded.
        seedSecrets(credentials);

        gateway = HttpApiGateway.start(options.port(), routes, console);
        toClose.add(gateway);
        // The browser console at /__console/: fed by the gateway, the sandbox and the functions' logs.
        BrowserConsole browserConsole = new BrowserConsole(credentials, dynamoDb, stack.tableName("MessagesTable"));
        browserConsole.serving(gateway.baseUri(), sandbox == null ? null : sandbox.baseUri());
        toClose.add(browserConsole);
        console.feed(browserConsole);
        gateway.attach(browserConsole);
        if (sandbox != null) {
            sandbox.observe(browserConsole::graphCall);
            sandbox.echoTo(gateway.baseUri().resolve("/webhook"));
        }

        for (ServerlessFunction function : template.functions()) {
            for (SqsEventSource source : function.sqsEvents()) {
                startEventSource(stack, sqs, functions.get(function.shortName()), source);
            }
            for (DynamoDbStreamEventSource source : function.dynamoDbEvents()) {
                startStreamEventSource(stack, streams, sqs, functions.get(function.shortName()), source);
            }
        }

        awaitFunctions();
        startupTime = Duration.ofNanos(System.nanoTime() - started);
        printBanner(routes);
    }

    /** The worker's SQS event source; the worker's own log lines say what became of each message. */
    private void startEventSource(ProvisionedStack stack, SqsClient sqs, FunctionProcess process, SqsEventSource source) {
        ProvisionedQueue queue = stack.queue(source.queueLogicalId());
        JsonLogger logger = new JsonLogger("sqs-event-source", JsonLogger.Level.INFO,
                ConsoleLineStream.to(console, "sqs"), Clock.systemUTC());
        SqsEventSourcePoller poller = new SqsEventSourcePoller(sqs, queue.url(), queue.arn(),
                source.batchSize(), invoker(process), logger, Duration.ofSeconds(1));
        poller.start();
        toClose.add(poller);
        console.print("sqs", "event_source", "polling " + queue.name() + " for " + process.name()
                + " (batch size " + source.batchSize()
                + (source.reportsBatchItemFailures() ? ", ReportBatchItemFailures" : "") + ")");
    }

    /** A DynamoDB stream event source, reading from its StartingPosition as of now. */
    private void startStreamEventSource(ProvisionedStack stack, DynamoDbStreamsClient streams, SqsClient sqs,
                                        FunctionProcess process, DynamoDbStreamEventSource source) {
        JsonLogger logger = new JsonLogger("dynamodb-stream-event-source", JsonLogger.Level.INFO,
                ConsoleLineStream.to(console, "streams"), Clock.systemUTC());
        DynamoDbStreamEventSourcePoller poller = new DynamoDbStreamEventSourcePoller(streams, sqs, stack,
                process.definition().functionName(), source, invoker(process), logger);
        poller.start();
        toClose.add(poller);
        console.print("streams", "event_source", "reading the stream of " + stack.tableName(source.tableLogicalId())
                + " for " + process.name() + " (" + source.startingPosition() + ", batch size " + source.batchSize()
                + ", " + source.filterPatterns().size() + " filter patterns"
                + (source.reportsBatchItemFailures() ? ", ReportBatchItemFailures" : "")
                + source.onFailureQueueLogicalId().map(queue -> ", OnFailure " + queue).orElse("") + ")");
    }

    /** Invokes the function and waits for its answer; no answer (a crash, a timeout) is an exception. */
    static Function<byte[], byte[]> invoker(FunctionProcess process) {
        long limitMillis = process.definition().timeout().toMillis() + 60_000; // a margin for a queued invocation
        return event -> {
            try {
                return process.invoke(event).get(limitMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (TimeoutException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException(process.name() + " did not answer", e);
            }
        };
    }

    /** Under the names the template gives send-api (its Globals give every function the same). */
    private void seedSecrets(DemoCredentials credentials) {
        Map<String, String> environment = functions.get("send-api").definition().environment();
        String pageSecretId = environment.get("PAGE_SECRET_PREFIX") + credentials.pageId();
        String appSecretId = environment.get("APP_SECRET_ID");
        LocalSecretsManager secrets = backends.localSecretsManager();
        String callbackUrl = options.callbackUrl();
        if (callbackUrl != null) {
            byte[] key = new byte[24];
            new java.security.SecureRandom().nextBytes(key);
            String callbackSecret = System.getenv().getOrDefault("LOCAL_CALLBACK_SECRET", "").trim();
            if (callbackSecret.isEmpty()) {
                callbackSecret = "whsec_" + java.util.Base64.getEncoder().encodeToString(key);
            } else if (CallbackSignature.key(callbackSecret).isEmpty()) {
                throw new IllegalStateException("LOCAL_CALLBACK_SECRET must be whsec_ and a Base64 key");
            }
            secrets.putSecret(pageSecretId, Json.write(((com.fasterxml.jackson.databind.node.ObjectNode)
                    Json.parse(credentials.pageSecretJson())).put("callback_url", callbackUrl)
                    .put("callback_secret", callbackSecret)));
            console.print("local", "callbacks", "status callbacks go to " + callbackUrl
                    + ", signed with callback_secret " + callbackSecret);
        } else {
            secrets.putSecret(pageSecretId, credentials.pageSecretJson());
        }
        secrets.putSecret(appSecretId, credentials.appSecretJson());
        console.print("local", "seeded", "seeded secrets " + pageSecretId + " and " + appSecretId);
    }

    private void awaitFunctions() {
        long deadline = System.nanoTime() + FUNCTION_START_LIMIT.toNanos();
        for (FunctionProcess function : functions.values()) {
            try {
                function.ready().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException(function.name() + " did not start within "
                        + FUNCTION_START_LIMIT.toSeconds() + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the functions started", e);
            }
        }
    }

    /** A port pinned through the environment (so that sam local invoke's env file can name it), or 0 for a free one. */
    /**
     * The sandbox's Facebook clock and receipts from {@code LOCAL_GRAPH_CLOCK_SKEW_MS} (default 0),
     * {@code LOCAL_GRAPH_RECEIPTS} ({@code off}, the default, {@code delivery} or {@code read}) and
     * {@code LOCAL_GRAPH_RECEIPT_DELAY_MS} (default 1000); an unreadable value stops local mode.
     */
    static void configureFacebookBehaviour(GraphApiSandbox sandbox, Map<String, String> environment) {
        sandbox.facebookClockSkew(Duration.ofMillis(millis(environment, "LOCAL_GRAPH_CLOCK_SKEW_MS", 0)));
        String receipts = environment.getOrDefault("LOCAL_GRAPH_RECEIPTS", "off").trim();
        GraphApiSandbox.Receipts mode;
        try {
            mode = GraphApiSandbox.Receipts.valueOf(receipts.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("LOCAL_GRAPH_RECEIPTS must be off, delivery or read, is '" + receipts + "'");
        }
        sandbox.postReceipts(mode, Duration.ofMillis(Math.max(0, millis(environment, "LOCAL_GRAPH_RECEIPT_DELAY_MS", 1000))));
        String rate = environment.getOrDefault("LOCAL_GRAPH_RATE_PER_PAGE", "").trim();
        double perSecond = GraphApiSandbox.FACEBOOK_RATE_PER_PAGE;
        if (rate.equalsIgnoreCase("off")) {
            perSecond = 0;
        } else if (!rate.isEmpty()) {
            try {
                perSecond = Double.parseDouble(rate);
            } catch (NumberFormatException e) {
                perSecond = -1;
            }
            if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
                throw new IllegalStateException("LOCAL_GRAPH_RATE_PER_PAGE must be calls per second per page "
                        + "(0 or off: unlimited), is '" + rate + "'");
            }
        }
        sandbox.limitRate(null, perSecond);
    }

    private static long millis(Map<String, String> environment, String variable, long otherwise) {
        String value = environment.getOrDefault(variable, "").trim();
        if (value.isEmpty()) {
            return otherwise;
        }
        if (!value.matches("-?[0-9]{1,12}")) {
            throw new IllegalStateException(variable + " must be a number of milliseconds, is '" + value + "'");
        }
        return Long.parseLong(value);
    }

    static int fixedPort(Map<String, String> environment, String variable) {
        String value = environment.getOrDefault(variable, "").trim();
        if (!value.matches("[0-9]{0,5}") || !value.isEmpty() && Integer.parseInt(value) > 65535) {
            throw new IllegalStateException(variable + " must be a port number, is '" + value + "'");
        }
        return value.isEmpty() ? 0 : Integer.parseInt(value);
    }

    /** Fails before anything starts when another process already listens on the API's port. */
    private static void checkPortIsFree(int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + port
                    + " (is local mode already running? set PORT to another port)", e);
        }
    }

    private static void checkFunctionJars(SamTemplate template, Path root) {
        List<String> missing = template.functions().stream().map(ServerlessFunction::builtJar)
                .filter(jar -> !Files.isRegularFile(root.resolve(jar))).map(Path::toString).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("function jars missing: " + String.join(", ", missing)
                    + " (build them: ./bin/build-function-jars)");
        }
    }

    private void printBanner(List<HttpApiGateway.Route> routes) {
        DemoCredentials credentials = options.credentials();
        URI api = gateway.baseUri();
        String body = "{\"page_id\":\"" + credentials.pageId() + "\",\"recipient\":{\"id\":\"1000000000000001\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"Hello from local mode\"}}";
        String signature = new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8), credentials.apiSecret());
        String curl = "curl -sS -X POST " + api + "/api/send_message -H 'content-type: application/json' "
                + "-H 'x-joinchat-signature: " + signature + "' --data '" + body + "'";
        Map<String, Long> coldStartMillis = new LinkedHashMap<>();
        coldStarts().forEach((name, duration) -> coldStartMillis.put(name, duration.toMillis()));
        String coldStarts = coldStartMillis.entrySet().stream()
                .map(entry -> entry.getKey() + " " + entry.getValue() + " ms").collect(Collectors.joining(", "));
        String graph = sandbox != null
                ? "Graph sandbox  " + sandbox.baseUri() + "   (GET " + sandbox.baseUri() + "/__sandbox/messages lists what was sent)"
                : "Graph API      " + options.graphApiBaseUrl() + "   (real deliveries with the seeded page token)";
        List<String> routeKeys = routes.stream().map(HttpApiGateway.Route::routeKey).toList();
        String startup = String.format(Locale.ROOT, "%.1f s", startupTime.toMillis() / 1000.0);

        String apiSecret = DemoCredentials.shown(credentials.apiSecret(), DemoCredentials.DEMO_API_SECRET, "LOCAL_API_SECRET");
        String text = "\n"
                + "  JoinChat push API - local mode is up in " + startup + "\n\n"
                + "  API            " + api + "\n"
                + "                 routes: " + String.join(", ", routeKeys) + "\n"
                + "  Console        " + api + "/__console/   (messages as Messenger shows them, and their lifecycle)\n"
                + "  " + graph + "\n"
                + "  Functions      each in its own JVM; cold starts: " + coldStarts + "\n"
                + "  AWS backends   DynamoDB " + backends.dynamoDbEndpoint() + ", SQS " + backends.sqsEndpoint()
                + ", Secrets Manager " + backends.secretsManagerEndpoint() + "\n\n"
                + "  Demo page      page_id            " + credentials.pageId() + "\n"
                + "                 api_secret         " + apiSecret + "   (x-joinchat-signature)\n"
                + "                 page_access_token  " + DemoCredentials.shown(credentials.pageAccessToken(),
                DemoCredentials.DEMO_PAGE_ACCESS_TOKEN, "LOCAL_PAGE_ACCESS_TOKEN") + "\n"
                + "  App            app_secret         " + DemoCredentials.shown(credentials.appSecret(),
                DemoCredentials.DEMO_APP_SECRET, "LOCAL_APP_SECRET") + "   (X-Hub-Signature-256 of POST /webhook)\n"
                + "                 verify_token       " + DemoCredentials.shown(credentials.verifyToken(),
                DemoCredentials.DEMO_VERIFY_TOKEN, "LOCAL_VERIFY_TOKEN") + "   (GET /webhook)\n\n"
                + "  Send a message:\n"
                + "    " + curl + "\n"
                + "  Sign your own body:\n"
                + "    ./bin/sign --secret " + apiSecret + " --data '<json>'\n\n"
                + "  Ctrl-C stops everything.\n";
        console.block("local", "ready", text, Console.fields(
                "api_url", api.toString(),
                "graph_api", sandbox != null ? sandbox.baseUri().toString() : options.graphApiBaseUrl(),
                "startup_ms", startupTime.toMillis(),
                "cold_start_ms", coldStartMillis,
                "page_id", credentials.pageId(),
                "curl", curl));
    }

    /**
     * The directory holding template.yaml: the working directory or one of its parents, else the
     * one this jar was built in ({@code local/target/joinchat-local.jar} is two levels down).
     */
    static Path findRepositoryRoot() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(LocalMode.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException ignored) {
            // Only the working directory then.
        }
        for (Path start : starts) {
            for (Path directory = start; directory != null; directory = directory.getParent()) {
                if (Files.isRegularFile(directory.resolve("template.yaml"))) {
                    return directory;
                }
            }
        }
        throw new IllegalStateException("cannot find template.yaml in " + starts.get(0)
                + " or its parents; run local mode from the repository");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Newest first: the event sources before the worker, so no batch is taken while the rest stops.
        for (Iterator<AutoCloseable> newestFirst = toClose.descendingIterator(); newestFirst.hasNext(); ) {
            AutoCloseable resource = newestFirst.next();
            try {
                resource.close();
            } catch (Exception e) {
                console.print("local", "close_failed", "could not stop " + resource.getClass().getSimpleName() + ": " + e);
            }
        }
    }
}
