package ai.joinchat.push.http;

/** The contract's error codes and the HTTP status each one answers with. */
public enum ErrorCode {
    INVALID_JSON(400, "invalid_json"),
    INVALID_REQUEST(400, "invalid_request"),
    MISSING_SIGNATURE(401, "missing_signature"),
    INVALID_SIGNATURE(401, "invalid_signature"),
    FORBIDDEN(403, "forbidden"),
    NOT_FOUND(404, "not_found"),
    MESSAGE_NOT_FOUND(404, "message_not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    IDEMPOTENCY_CONFLICT(409, "idempotency_conflict"),
    NOT_RESENDABLE(409, "not_resendable"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    INTERNAL_ERROR(500, "internal_error"),
    UNAVAILABLE(503, "unavailable");

    private final int status;
    private final String code;

    ErrorCode(int status, String code) {
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
