package ai.joinchat.push.webhook;

import ai.joinchat.push.http.HttpApiEventCodec;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;

/**
 * Lambda entry point of {@code WebhookFunction}: API Gateway HTTP API (2.0) events in, proxy
 * results out. Everything is built once per container; with SnapStart the hot path is primed
 * before the checkpoint ({@link WebhookPriming}).
 */
public final class WebhookHandler implements RequestStreamHandler {

    private final WebhookService service;
    private final HttpApiEventCodec codec;
    /** Held so the SnapStart hook lives as long as the handler (CRaC keeps resources weakly). */
    private final WebhookPriming priming;

    /** Lambda's constructor: builds everything once and takes part in SnapStart. */
    public WebhookHandler() {
        WebhookComponents built = WebhookComponents.create(System.getenv(), Clock.systemUTC());
        this.service = built.service();
        this.codec = built.codec();
        this.priming = built.priming();
        Core.getGlobalContext().register(priming);
    }

    public WebhookHandler(WebhookService service, HttpApiEventCodec codec) {
        this.service = service;
        this.codec = codec;
        this.priming = null;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        codec.handle(input, output, service::handle);
    }
}
