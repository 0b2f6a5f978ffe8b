package ai.joinchat.push.worker;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.secrets.TokenBucket;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

/**
 * A WireMock transformer that makes the Send API stubs that name it ({@code withTransformers(NAME)})
 * enforce a per-page rate as Facebook does: a token bucket per page holding one second's worth of
 * calls; a call without a token is answered HTTP 400, Graph code 613, with the usage headers.
 * Counts what each page accepted, per message id (the Send API body's {@code metadata}).
 */
final class RateLimitedGraph implements ResponseDefinitionTransformerV2 {

    static final String NAME = "page-rate-limit";

    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
    final AtomicInteger refused = new AtomicInteger();
    volatile long lastAcceptedNanos;

    /** Limits the page's Send API calls to {@code perSecond} (0: no limit). */
    void limit(String pageId, double perSecond) {
        if (perSecond <= 0) {
            buckets.remove(pageId);
        } else {
            // One second's worth of calls at the page's rate, as Facebook limits a page.
            buckets.put(pageId, new TokenBucket((int) Math.max(1, Math.ceil(perSecond)), perSecond,
                    java.time.Clock.systemUTC()));
        }
    }

    int accepted(String messageId) {
        AtomicInteger n = accepted.get(messageId);
        return n == null ? 0 : n.get();
    }

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        String[] path = serveEvent.getRequest().getUrl().split("[/?]");
        String pageId = path.length > 2 ? path[2] : "";
        TokenBucket bucket = buckets.get(pageId);
        if (bucket != null && !bucket.tryTake()) {
            refused.incrementAndGet();
            return aResponse().withStatus(400)
                    .withHeaders(new HttpHeaders(
                            new HttpHeader("Content-Type", "application/json"),
                            new HttpHeader("X-Business-Use-Case-Usage", "{\"" + pageId + "\":[{\"type\":\"messenger\","
                                    + "\"call_count\":100,\"total_cputime\":1,\"total_time\":1,"
                                    + "\"estimated_time_to_regain_access\":0}]}")))
                    .withBody("{\"error\":{\"message\":\"(#613) Calls to this api have exceeded the rate limit.\","
                            + "\"type\":\"OAuthException\",\"code\":613,\"fbtrace_id\":\"Rate\"}}")
                    .build();
        }
        String messageId = Json.parse(serveEvent.getRequest().getBodyAsString()).path("message").path("metadata")
                .asText("");
        accepted.computeIfAbsent(messageId, k -> new AtomicInteger()).incrementAndGet();
        lastAcceptedNanos = System.nanoTime();
        return serveEvent.getResponseDefinition();
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public String getName() {
        return NAME;
    }
}
