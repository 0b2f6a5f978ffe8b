package ai.joinchat.push.bench;

import ai.joinchat.push.local.Console;
import ai.joinchat.push.local.FunctionProcess;
import ai.joinchat.push.local.HttpApiGateway;
import ai.joinchat.push.local.LocalMode;
import ai.joinchat.push.local.aws.template.HttpApiRoute;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.ServerlessFunction;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the latency scenarios talk to: the product's HTTP API and the naive peer's, both on this
 * run's runtime. Under {@code --runtime local} the product is local mode's own gateway and
 * functions; under {@code --runtime ric} the send API and the webhook are started again through
 * the runtime interface client behind a gateway of their own with the template's routes and the
 * TCP proxies (local mode's own functions, the worker that its event source drives among them, run
 * on the runtime interface client too).
 */
final class UnderTest implements AutoCloseable {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private URI api;
    private URI naiveApi;
    private Launcher.Launched sendApi;
    private Launcher.Launched naiveSend;
    private Launcher.Launched hello;

    /** @param sendApiJvmOptions more JVM options for the send API (a flight recording), or none */
    static UnderTest start(Path root, LocalMode localMode, Launcher launcher, Baselines baselines, PrintStream out,
                           List<String> sendApiJvmOptions) {
        UnderTest underTest = new UnderTest();
        try {
            underTest.startAll(root, localMode, launcher, baselines, new Console(out, false), sendApiJvmOptions);
            return underTest;
        } catch (RuntimeException e) {
            underTest.close();
            throw e;
        }
    }

    private void startAll(Path root, LocalMode localMode, Launcher launcher, Baselines baselines, Console console,
                          List<String> sendApiJvmOptions) {
        FunctionProcess.Definition sendApiDefinition = Bench.function(localMode, "send-api").definition();
        String naiveQueue;
        try (SqsClient sqs = localMode.backends().sqs()) {
            naiveQueue = sqs.createQueue(r -> r.queueName("bench-naive")).queueUrl();
        }
        List<Launcher.Launched> starting = new ArrayList<>();
        naiveSend = started(launcher.start(baselines.definition("naive-send", Baselines.NAIVE_SEND,
                sendApiDefinition, Map.of("NAIVE_QUEUE_URL", naiveQueue))), starting);
        Launcher.Launched naiveWebhook = started(launcher.start(baselines.definition("naive-webhook",
                Baselines.NAIVE_WEBHOOK, sendApiDefinition, Map.of())), starting);
        hello = started(launcher.start(baselines.definition("hello", Baselines.HELLO,
                sendApiDefinition, Map.of())), starting);
        List<HttpApiGateway.Route> routes = new ArrayList<>();
        if (launcher.describe().startsWith("local")) {
            api = localMode.apiUri();
        } else {
            for (ServerlessFunction function : SamTemplate.read(root.resolve("template.yaml")).functions()) {
                if (function.httpApiEvents().isEmpty()) {
                    continue;
                }
                Launcher.Launched launched = started(launcher.start(Bench.function(localMode, function.shortName())
                        .definition(), function.shortName().equals("send-api") ? sendApiJvmOptions : List.of()), starting);
                if (function.shortName().equals("send-api")) {
                    sendApi = launched;
                }
                for (HttpApiRoute route : function.httpApiEvents()) {
                    routes.add(new HttpApiGateway.Route(route.method(), route.path(), launched));
                }
            }
        }
        for (Launcher.Launched function : starting) {
            try {
                function.ready().get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(function.name() + " did not start", e);
            }
        }
        if (!routes.isEmpty()) {
            HttpApiGateway gateway = HttpApiGateway.start(0, routes, console);
            toClose.add(gateway);
            api = gateway.baseUri();
        }
        HttpApiGateway naive = HttpApiGateway.start(0, List.of(
                new HttpApiGateway.Route("POST", "/api/send_message", naiveSend),
                new HttpApiGateway.Route("POST", "/webhook", naiveWebhook),
                new HttpApiGateway.Route("GET", "/hello", hello)), console);
        toClose.add(naive);
        naiveApi = naive.baseUri();
    }

    private Launcher.Launched started(Launcher.Launched function, List<Launcher.Launched> starting) {
        toClose.add(function);
        starting.add(function);
        return function;
    }

    URI api() {
        return api;
    }

    URI naiveApi() {
        return naiveApi;
    }

    /** Bytes of log the send API has written, or -1 where the runtime does not count them. */
    long sendApiLogBytes() {
        return sendApi == null ? -1 : sendApi.logBytes();
    }

    /** CPU time of the send API's, the naive peer's and the hello-world handler's JVMs; -1 each where not known. */
    long[] cpuNanos() {
        return new long[] {sendApi == null ? -1 : sendApi.cpuNanos(), naiveSend.cpuNanos(), hello.cpuNanos()};
    }

    @Override
    public void close() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception ignored) {
                // stopping anyway
            }
        }
    }
}
