package ai.joinchat.push.local.aws.secretsmanager;

/**
 * An error answered the way Secrets Manager answers it: HTTP 400 with
 * {@code {"__type": type, "message": message}}, which the SDK turns into the typed exception.
 */
final class SecretsManagerError extends RuntimeException {

    private final String type;

    private SecretsManagerError(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    String type() {
        return type;
    }

    static SecretsManagerError secretNotFound() {
        return new SecretsManagerError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    }

    static SecretsManagerError valueNotFound(String what) {
        return new SecretsManagerError("ResourceNotFoundException",
                "Secrets Manager can't find the specified secret value for " + what);
    }

    static SecretsManagerError resourceExists(String message) {
        return new SecretsManagerError("ResourceExistsException", message);
    }

    static SecretsManagerError invalidRequest(String message) {
        return new SecretsManagerError("InvalidRequestException", message);
    }

    static SecretsManagerError invalidParameter(String message) {
        return new SecretsManagerError("InvalidParameterException", message);
    }

    static SecretsManagerError unknownOperation(String operation) {
        return new SecretsManagerError("UnknownOperationException",
                "The operation " + operation + " is not supported by this Secrets Manager endpoint.");
    }

    static SecretsManagerError serialization(String message) {
        return new SecretsManagerError("SerializationException", message);
    }
}
