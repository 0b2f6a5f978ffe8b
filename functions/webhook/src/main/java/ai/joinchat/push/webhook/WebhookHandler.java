package ai.joinchat.push.webhook;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;
import org.crac.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;

/**
 * Lambda entry point of {@code WebhookFunction}: API Gateway HTTP API (2.0) events in, proxy
 * results out. Everything is built once per container; with SnapStart the hot path is primed
 * before the checkpoint.
 */
public final class WebhookHandler implements RequestStreamHandler, Resource {

    private final WebhookComponents components;

    /** Lambda's constructor: the process environment and the system clock. */
    public WebhookHandler() {
        this(WebhookComponents.create(System.getenv(), Clock.systemUTC()));
        Core.getGlobalContext().register(this);
    }

    /** Tests and local mode: components built from a given environment. */
    public WebhookHandler(WebhookComponents components) {
        this.components = components;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        components.codec().handle(input, output, components.service()::handle);
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        components.priming().run();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to renew: no connection was opened and no secret fetched before the checkpoint.
    }
}
