package ai.joinchat.push.local.aws.secretsmanager;

import ai.joinchat.push.local.aws.secretsmanager.StoredSecret.Version;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The secrets and the Secrets Manager operations on them, request and response in the service's
 * JSON shapes. Every operation runs under one lock.
 */
final class SecretStore {

    private static final String ACCOUNT_ID = "000000000000";
    private static final String ARN_SUFFIX_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String MARKED_FOR_DELETION =
            "You can't perform this operation on the secret because it was marked for deletion.";

    private final JsonNodeFactory json = JsonNodeFactory.instance;
    private final SecureRandom random = new SecureRandom();
    private final String region;
    /** By name, in creation order. */
    private final Map<String, StoredSecret> secrets = new LinkedHashMap<>();

    SecretStore(String region) {
        this.region = region;
    }

    synchronized ObjectNode execute(String operation, JsonNode request) {
        return switch (operation) {
            case "CreateSecret" -> createSecret(request);
            case "GetSecretValue" -> getSecretValue(request);
            case "PutSecretValue" -> putSecretValue(request);
            case "UpdateSecret" -> updateSecret(request);
            case "UpdateSecretVersionStage" -> updateSecretVersionStage(request);
            case "DescribeSecret" -> describeSecret(request);
            case "ListSecretVersionIds" -> listSecretVersionIds(request);
            case "DeleteSecret" -> deleteSecret(request);
            case "RestoreSecret" -> restoreSecret(request);
            case "ListSecrets" -> listSecrets(request);
            default -> throw SecretsManagerError.unknownOperation(operation);
        };
    }

    /** Creates the secret, or gives it a new current version if it exists. */
    synchronized void putSecretString(String name, String secretString) {
        ObjectNode request = json.objectNode().put("SecretString", secretString);
        if (secrets.containsKey(name)) {
            putSecretValue(request.put("SecretId", name));
        } else {
            createSecret(request.put("Name", name));
        }
    }

    synchronized void clear() {
        secrets.clear();
    }

    private ObjectNode createSecret(JsonNode request) {
        String name = requiredText(request, "Name");
        SecretValue value = SecretValue.of(request);
        String versionId = clientRequestToken(request);
        StoredSecret existing = secrets.get(name);
        if (existing != null) {
            if (existing.scheduledForDeletion()) {
                throw SecretsManagerError.invalidRequest("You can't create this secret because a secret with this name "
                        + "is already scheduled for deletion.");
            }
            Version retried = existing.versions.get(versionId);
            if (retried != null && value.isSameAs(retried)) {
                return identity(existing).put("VersionId", versionId);
            }
            throw SecretsManagerError.resourceExists("The operation failed because the secret " + name + " already exists.");
        }
        Instant now = Instant.now();
        StoredSecret secret = new StoredSecret(name, newArn(name), now);
        secret.description = text(request, "Description");
        secret.kmsKeyId = text(request, "KmsKeyId");
        for (JsonNode tag : request.path("Tags")) {
            secret.tags.put(tag.path("Key").asText(), tag.path("Value").asText());
        }
        ObjectNode response = identity(secret);
        if (value.present()) {
            Version version = new Version(versionId, value.string(), value.binaryBase64(), now);
            secret.versions.put(versionId, version);
            secret.moveStages(version, List.of(StoredSecret.CURRENT));
            response.put("VersionId", versionId);
        }
        secrets.put(name, secret);
        return response;
    }

    private ObjectNode getSecretValue(JsonNode request) {
        StoredSecret secret = findNotDeleted(request);
        String versionId = text(request, "VersionId");
        String stage = text(request, "VersionStage");
        Version version;
        if (versionId != null) {
            version = secret.versions.get(versionId);
            if (version == null) {
                throw SecretsManagerError.valueNotFound("VersionId: " + versionId);
            }
            if (stage != null && !version.stages.contains(stage)) {
                throw SecretsManagerError.invalidParameter(
                        "The VersionId and VersionStage you specified don't refer to the same secret version.");
            }
        } else {
            String wanted = stage != null ? stage : StoredSecret.CURRENT;
            version = secret.versionWithStage(wanted)
                    .orElseThrow(() -> SecretsManagerError.valueNotFound("staging label: " + wanted));
        }
        secret.lastAccessedDate = Instant.now().truncatedTo(ChronoUnit.DAYS);
        ObjectNode response = identity(secret).put("VersionId", version.versionId);
        if (version.secretString != null) {
            response.put("SecretString", version.secretString);
        }
        if (version.secretBinaryBase64 != null) {
            response.put("SecretBinary", version.secretBinaryBase64);
        }
        response.set("VersionStages", stringArray(version.stages));
        response.put("CreatedDate", epochSeconds(version.createdDate));
        return response;
    }

    private ObjectNode putSecretValue(JsonNode request) {
        StoredSecret secret = findNotDeleted(request);
        SecretValue value = SecretValue.of(request);
        if (!value.present()) {
            throw SecretsManagerError.invalidParameter("You must provide either SecretString or SecretBinary.");
        }
        List<String> stages = new ArrayList<>();
        request.path("VersionStages").forEach(stage -> stages.add(stage.asText()));
        if (stages.isEmpty()) {
            stages.add(StoredSecret.CURRENT);
        }
        Version version = addVersion(secret, clientRequestToken(request), value, stages);
        ObjectNode response = identity(secret).put("VersionId", version.versionId);
        response.set("VersionStages", stringArray(version.stages));
        return response;
    }

    private ObjectNode updateSecret(JsonNode request) {
        StoredSecret secret = findNotDeleted(request);
        SecretValue value = SecretValue.of(request);
        if (request.hasNonNull("Description")) {
            secret.description = request.get("Description").asText();
        }
        if (request.hasNonNull("KmsKeyId")) {
            secret.kmsKeyId = request.get("KmsKeyId").asText();
        }
        secret.lastChangedDate = Instant.now();
        ObjectNode response = identity(secret);
        if (value.present()) {
            Version version = addVersion(secret, clientRequestToken(request), value, List.of(StoredSecret.CURRENT));
            response.put("VersionId", version.versionId);
        }
        return response;
    }

    /** A new version with the given labels; the same token with the same value changes nothing. */
    private Version addVersion(StoredSecret secret, String versionId, SecretValue value, List<String> stages) {
        Version existing = secret.versions.get(versionId);
        if (existing != null) {
            if (value.isSameAs(existing)) {
                return existing;
            }
            throw SecretsManagerError.resourceExists("You can't modify an existing version, you can only create a new version.");
        }
        Instant now = Instant.now();
        Version version = new Version(versionId, value.string(), value.binaryBase64(), now);
        secret.versions.put(versionId, version);
        secret.moveStages(version, stages);
        secret.lastChangedDate = now;
        return version;
    }

    private ObjectNode updateSecretVersionStage(JsonNode request) {
        StoredSecret secret = findNotDeleted(request);
        String stage = requiredText(request, "VersionStage");
        String removeFrom = text(request, "RemoveFromVersionId");
        String moveTo = text(request, "MoveToVersionId");
        Version holder = secret.versionWithStage(stage).orElse(null);
        if (holder != null && moveTo != null && !holder.versionId.equals(moveTo)
                && (removeFrom == null || !removeFrom.equals(holder.versionId))) {
            throw SecretsManagerError.invalidParameter("The staging label " + stage + " is currently attached to version "
                    + holder.versionId + ", so you must explicitly reference that version in RemoveFromVersionId.");
        }
        if (removeFrom != null) {
            Version from = secret.versions.get(removeFrom);
            if (from == null || !from.stages.contains(stage)) {
                throw SecretsManagerError.invalidParameter("The staging label " + stage
                        + " is not attached to version " + removeFrom + ".");
            }
            if (moveTo == null && StoredSecret.CURRENT.equals(stage)) {
                throw SecretsManagerError.invalidParameter("You can only move the staging label AWSCURRENT to another version.");
            }
        }
        if (moveTo != null) {
            Version to = secret.versions.get(moveTo);
            if (to == null) {
                throw SecretsManagerError.valueNotFound("VersionId: " + moveTo);
            }
            secret.moveStages(to, List.of(stage));
        } else if (removeFrom != null) {
            secret.versions.get(removeFrom).stages.remove(stage);
        }
        secret.lastChangedDate = Instant.now();
        return identity(secret);
    }

    private ObjectNode describeSecret(JsonNode request) {
        StoredSecret secret = find(request);
        ObjectNode response = summary(secret);
        response.set("VersionIdsToStages", versionsToStages(secret));
        return response;
    }

    private ObjectNode listSecretVersionIds(JsonNode request) {
        StoredSecret secret = find(request);
        boolean includeDeprecated = request.path("IncludeDeprecated").asBoolean(false);
        ArrayNode versions = json.arrayNode();
        for (Version version : secret.versions.values()) {
            if (includeDeprecated || !version.stages.isEmpty()) {
                ObjectNode entry = versions.addObject().put("VersionId", version.versionId);
                entry.set("VersionStages", stringArray(version.stages));
                entry.put("CreatedDate", epochSeconds(version.createdDate));
            }
        }
        ObjectNode response = identity(secret);
        response.set("Versions", versions);
        return response;
    }

    private ObjectNode deleteSecret(JsonNode request) {
        StoredSecret secret = find(request);
        boolean force = request.path("ForceDeleteWithoutRecovery").asBoolean(false);
        boolean windowGiven = request.hasNonNull("RecoveryWindowInDays");
        if (force && windowGiven) {
            throw SecretsManagerError.invalidParameter(
                    "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
        }
        long recoveryDays = windowGiven ? request.get("RecoveryWindowInDays").asLong() : 30;
        if (recoveryDays < 7 || recoveryDays > 30) {
            throw SecretsManagerError.invalidParameter(
                    "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
        }
        Instant now = Instant.now();
        if (force) {
            secrets.remove(secret.name);
            secret.deletionDate = now;
        } else {
            if (secret.scheduledForDeletion()) {
                throw SecretsManagerError.invalidRequest(MARKED_FOR_DELETION);
            }
            secret.deletionDate = now.plus(recoveryDays, ChronoUnit.DAYS);
        }
        return identity(secret).put("DeletionDate", epochSeconds(secret.deletionDate));
    }

    private ObjectNode restoreSecret(JsonNode request) {
        StoredSecret secret = find(request);
        secret.deletionDate = null;
        return identity(secret);
    }

    private ObjectNode listSecrets(JsonNode request) {
        boolean includePlannedDeletion = request.path("IncludePlannedDeletion").asBoolean(false);
        ArrayNode list = json.arrayNode();
        for (StoredSecret secret : secrets.values()) {
            if ((includePlannedDeletion || !secret.scheduledForDeletion()) && matchesFilters(secret, request.path("Filters"))) {
                ObjectNode entry = summary(secret);
                entry.set("SecretVersionsToStages", versionsToStages(secret));
                list.add(entry);
            }
        }
        ObjectNode response = json.objectNode();
        response.set("SecretList", list);
        return response;
    }

    /** Filters by name, description or both ("all"): prefix matches, a leading "!" negates. */
    private static boolean matchesFilters(StoredSecret secret, JsonNode filters) {
        for (JsonNode filter : filters) {
            String key = filter.path("Key").asText();
            List<String> fields = switch (key) {
                case "name" -> List.of(secret.name);
                case "description" -> secret.description == null ? List.of() : List.of(secret.description);
                case "all" -> secret.description == null ? List.of(secret.name) : List.of(secret.name, secret.description);
                default -> throw SecretsManagerError.invalidParameter(
                        "This Secrets Manager endpoint filters only by name, description or all, not by " + key + ".");
            };
            boolean anyValueMatches = false;
            for (JsonNode valueNode : filter.path("Values")) {
                String value = valueNode.asText();
                boolean negated = value.startsWith("!");
                String prefix = negated ? value.substring(1) : value;
                boolean matches = fields.stream().anyMatch(field -> field.startsWith(prefix));
                anyValueMatches |= negated != matches;
            }
            if (!anyValueMatches) {
                return false;
            }
        }
        return true;
    }

    private ObjectNode identity(StoredSecret secret) {
        return json.objectNode().put("ARN", secret.arn).put("Name", secret.name);
    }

    private ObjectNode summary(StoredSecret secret) {
        ObjectNode summary = identity(secret);
        if (secret.description != null) {
            summary.put("Description", secret.description);
        }
        if (secret.kmsKeyId != null) {
            summary.put("KmsKeyId", secret.kmsKeyId);
        }
        summary.put("CreatedDate", epochSeconds(secret.createdDate));
        summary.put("LastChangedDate", epochSeconds(secret.lastChangedDate));
        if (secret.lastAccessedDate != null) {
            summary.put("LastAccessedDate", epochSeconds(secret.lastAccessedDate));
        }
        if (secret.deletionDate != null) {
            summary.put("DeletedDate", epochSeconds(secret.deletionDate));
        }
        if (!secret.tags.isEmpty()) {
            ArrayNode tags = summary.putArray("Tags");
            secret.tags.forEach((key, value) -> tags.addObject().put("Key", key).put("Value", value));
        }
        return summary;
    }

    private ObjectNode versionsToStages(StoredSecret secret) {
        ObjectNode result = json.objectNode();
        secret.versionIdsToStages().forEach((versionId, stages) -> result.set(versionId, stringArray(stages)));
        return result;
    }

    private StoredSecret findNotDeleted(JsonNode request) {
        StoredSecret secret = find(request);
        if (secret.scheduledForDeletion()) {
            throw SecretsManagerError.invalidRequest(MARKED_FOR_DELETION);
        }
        return secret;
    }

    /** By name, full ARN, or partial ARN (the ARN without its random suffix). */
    private StoredSecret find(JsonNode request) {
        String secretId = requiredText(request, "SecretId");
        StoredSecret byName = secrets.get(secretId);
        if (byName != null) {
            return byName;
        }
        for (StoredSecret secret : secrets.values()) {
            if (secret.arn.equals(secretId)) {
                return secret;
            }
        }
        int nameStart = secretId.startsWith("arn:") ? secretId.indexOf(":secret:") : -1;
        if (nameStart >= 0) {
            StoredSecret byPartialArn = secrets.get(secretId.substring(nameStart + ":secret:".length()));
            if (byPartialArn != null && byPartialArn.arn.startsWith(secretId + "-")) {
                return byPartialArn;
            }
        }
        throw SecretsManagerError.secretNotFound();
    }

    private String newArn(String name) {
        StringBuilder suffix = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            suffix.append(ARN_SUFFIX_CHARACTERS.charAt(random.nextInt(ARN_SUFFIX_CHARACTERS.length())));
        }
        return "arn:aws:secretsmanager:" + region + ":" + ACCOUNT_ID + ":secret:" + name + "-" + suffix;
    }

    /** The version id: the request's ClientRequestToken (the SDK fills one in) or a new UUID. */
    private static String clientRequestToken(JsonNode request) {
        String token = text(request, "ClientRequestToken");
        if (token == null) {
            return UUID.randomUUID().toString();
        }
        if (token.length() < 32 || token.length() > 64) {
            throw SecretsManagerError.invalidParameter("ClientRequestToken must be 32 to 64 characters long.");
        }
        return token;
    }

    private static String requiredText(JsonNode request, String field) {
        String value = text(request, field);
        if (value == null || value.isEmpty()) {
            throw SecretsManagerError.invalidParameter("You must specify " + field + ".");
        }
        return value;
    }

    private static String text(JsonNode request, String field) {
        JsonNode node = request.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    private ArrayNode stringArray(Iterable<String> values) {
        ArrayNode array = json.arrayNode();
        values.forEach(array::add);
        return array;
    }

    /** Timestamps travel as epoch seconds with a fraction, as the JSON protocol does. */
    private static BigDecimal epochSeconds(Instant instant) {
        return BigDecimal.valueOf(instant.toEpochMilli(), 3);
    }

    /** The SecretString or SecretBinary (base64 in JSON) of a request. */
    private record SecretValue(String string, String binaryBase64) {

        static SecretValue of(JsonNode request) {
            SecretValue value = new SecretValue(text(request, "SecretString"), text(request, "SecretBinary"));
            if (value.string != null && value.binaryBase64 != null) {
                throw SecretsManagerError.invalidParameter(
                        "You can't specify both a binary secret value and a string secret value in the same secret.");
            }
            return value;
        }

        boolean present() {
            return string != null || binaryBase64 != null;
        }

        boolean isSameAs(Version version) {
            return version.sameValueAs(string, binaryBase64);
        }
    }
}
