package ai.joinchat.push.send;

import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.request.PageId;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.SignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/**
 * The checks every signed API request passes before its content is looked at: size, signature
 * header, JSON object, page id, and the page's HMAC over the exact bytes received. An unknown
 * page and a wrong signature answer the same 401, so page ids cannot be probed.
 */
public final class SignedRequestAuthenticator {

    public static final int MAX_BODY_BYTES = 64 * 1024;
    static final List<String> SIGNATURE_HEADERS = List.of("x-joinchat-signature", "x_joinchat_signature");

    /** A request whose signature is valid for its page. */
    public record AuthenticatedRequest(String pageId, JsonNode body, PageSecrets secrets) {
    }

    /** Either an authenticated request or the error response to answer. */
    public record Outcome(AuthenticatedRequest request, HttpApiResponse rejection) {
        static Outcome rejected(HttpApiResponse response) {
            return new Outcome(null, response);
        }
    }

    private final SecretsProvider secrets;
    private final SignatureVerifier verifier;

    public SignedRequestAuthenticator(SecretsProvider secrets, SignatureVerifier verifier) {
        this.secrets = secrets;
        this.verifier = verifier;
    }

    /** @throws ai.joinchat.push.DependencyUnavailableException when Secrets Manager fails */
    public Outcome authenticate(HttpApiRequest request) {
        byte[] raw = request.body();
        if (raw.length > MAX_BODY_BYTES) {
            return Outcome.rejected(HttpApiResponse.error(ErrorCode.PAYLOAD_TOO_LARGE,
                    "The body is larger than " + MAX_BODY_BYTES + " bytes."));
        }
        Optional<String> signature = SIGNATURE_HEADERS.stream()
                .map(request::header).flatMap(Optional::stream)
                .filter(s -> !s.isBlank()).findFirst();
        if (signature.isEmpty()) {
            return Outcome.rejected(HttpApiResponse.error(ErrorCode.MISSING_SIGNATURE,
                    "The x-joinchat-signature header is missing."));
        }
        Optional<JsonNode> body = Json.parse(raw).filter(JsonNode::isObject);
        if (body.isEmpty()) {
            return Outcome.rejected(HttpApiResponse.error(ErrorCode.INVALID_JSON, "The body is not a JSON object."));
        }
        Optional<String> pageId = PageId.parse(body.get().get("page_id"));
        if (pageId.isEmpty()) {
            return Outcome.rejected(HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "The request is invalid.",
                    List.of(new FieldProblem("page_id", "required: the page id, digits, as a string or integer"))));
        }
        Optional<PageSecrets> pageSecrets = secrets.pageSecrets(pageId.get());
        if (pageSecrets.isEmpty()
                || !verifier.verify(raw, signature.get(), pageSecrets.get().acceptedApiSecrets())) {
            return Outcome.rejected(HttpApiResponse.error(ErrorCode.INVALID_SIGNATURE,
                    "The signature does not match the body for this page."));
        }
        return new Outcome(new AuthenticatedRequest(pageId.get(), body.get(), pageSecrets.get()), null);
    }
}
