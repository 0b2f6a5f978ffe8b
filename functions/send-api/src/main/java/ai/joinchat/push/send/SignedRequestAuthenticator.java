package ai.joinchat.push.send;

import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.http.HttpApiRequest;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretLookup;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.signature.Sha256;
import ai.joinchat.push.signature.SignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The checks every signed API request passes before its content is looked at (contract section 3).
 * An unknown page and a wrong signature answer the same 401, so page ids cannot be probed. A request
 * with a timestamp header is checked only in the timestamped form; {@code require_timestamp} refuses
 * the classic one.
 */
public record SignedRequestAuthenticator(SecretsProvider secrets, SignatureVerifier verifier, Clock clock) {

    public static final int MAX_BODY_BYTES = 64 * 1024;
    static final List<String> SIGNATURE_HEADERS = List.of("x-joinchat-signature", "x_joinchat_signature");
    static final String TIMESTAMP_HEADER = "x-joinchat-timestamp";

    public sealed interface Outcome permits AuthenticatedRequest, Rejected {
    }

    /**
     * {@code replayKey}, for a timestamped request only, is the same for every repeat of it
     * (whatever its Base64 spelling), so stored like an {@code Idempotency-Key} it stops replays.
     */
    public record AuthenticatedRequest(String pageId, JsonNode body, Optional<String> replayKey) implements Outcome {
    }

    public record Rejected(HttpApiResponse response) implements Outcome {
    }

    /** @throws ai.joinchat.push.DependencyUnavailableException when Secrets Manager fails */
    public Outcome authenticate(HttpApiRequest request) {
        byte[] raw = request.body();
        if (raw.length > MAX_BODY_BYTES) {
            return new Rejected(HttpApiResponse.error(ErrorCode.PAYLOAD_TOO_LARGE,
                    "The body is larger than " + MAX_BODY_BYTES + " bytes."));
        }
        Optional<String> signature = SIGNATURE_HEADERS.stream()
                .map(request::header).flatMap(Optional::stream)
                .filter(s -> !s.isBlank()).findFirst();
        if (signature.isEmpty()) {
            return new Rejected(HttpApiResponse.error(ErrorCode.MISSING_SIGNATURE,
                    "The x-joinchat-signature header is missing."));
        }
        Optional<JsonNode> body = Json.parseRequest(raw).filter(JsonNode::isObject);
        if (body.isEmpty()) {
            return new Rejected(HttpApiResponse.error(ErrorCode.INVALID_JSON, "The body is not a JSON object."));
        }
        Optional<String> pageId = SendRequestValidator.facebookId(body.get().get("page_id"));
        if (pageId.isEmpty()) {
            return new Rejected(HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "The request is invalid.",
                    List.of(new FieldProblem("page_id", "required: the page id, digits, as a string or integer"))));
        }
        SecretLookup<PageSecrets> lookup = secrets.pageSecrets(pageId.get());
        if (lookup.deferred()) {
            // Not "unknown page": no lookup could be made now, and a configured page is never refused (503, retry).
            return new Rejected(HttpApiResponse.error(ErrorCode.UNAVAILABLE,
                    "The page's secret could not be looked up in time; nothing was accepted. Retry later."));
        }
        Optional<PageSecrets> pageSecrets = lookup.found();
        Optional<String> timestamp = request.header(TIMESTAMP_HEADER);
        if (pageSecrets.isEmpty() || !signatureHolds(raw, timestamp, signature.get(), pageSecrets.get())) {
            return new Rejected(HttpApiResponse.error(ErrorCode.INVALID_SIGNATURE,
                    "The signature does not match the body for this page."));
        }
        Optional<String> replayKey = timestamp.map(t -> replayKey(t, signature.get()));
        return new AuthenticatedRequest(pageId.get(), body.get(), replayKey);
    }

    private boolean signatureHolds(byte[] raw, Optional<String> timestamp, String signature, PageSecrets page) {
        if (timestamp.isPresent()) {
            return verifier.verifyTimestamped(raw, timestamp.get(), signature, page.acceptedApiSecrets(), clock.instant());
        }
        return !page.requireTimestamp() && verifier.verify(raw, signature, page.acceptedApiSecrets());
    }

    /** Called only once the signature verified, so both the timestamp and the signature are well-formed. */
    private static String replayKey(String timestamp, String signature) {
        return "replay:" + timestamp.strip() + ":" + Sha256.hex(SignatureVerifier.signatureBytes(signature).orElseThrow());
    }
}
