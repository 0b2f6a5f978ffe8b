package ai.joinchat.push.local.aws.secretsmanager;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** One secret with its versions and their staging labels. Guarded by {@link SecretStore}'s lock. */
final class StoredSecret {

    static final String CURRENT = "AWSCURRENT";
    static final String PREVIOUS = "AWSPREVIOUS";

    /** One version: its value (a string, or base64 of the binary value) and staging labels. */
    static final class Version {
        final String versionId;
        final String secretString;
        final String secretBinaryBase64;
        final Instant createdDate;
        final Set<String> stages = new LinkedHashSet<>();

        Version(String versionId, String secretString, String secretBinaryBase64, Instant createdDate) {
            this.versionId = versionId;
            this.secretString = secretString;
            this.secretBinaryBase64 = secretBinaryBase64;
            this.createdDate = createdDate;
        }

        boolean sameValueAs(String otherString, String otherBinaryBase64) {
            return Objects.equals(secretString, otherString)
                    && Objects.equals(secretBinaryBase64, otherBinaryBase64);
        }
    }

    final String name;
    final String arn;
    final Instant createdDate;
    String description;
    String kmsKeyId;
    Instant lastChangedDate;
    Instant lastAccessedDate;
    /** Set while the secret is scheduled for deletion. */
    Instant deletionDate;
    final Map<String, String> tags = new LinkedHashMap<>();
    final Map<String, Version> versions = new LinkedHashMap<>();

    StoredSecret(String name, String arn, Instant createdDate) {
        this.name = name;
        this.arn = arn;
        this.createdDate = createdDate;
        this.lastChangedDate = createdDate;
    }

    boolean scheduledForDeletion() {
        return deletionDate != null;
    }

    Optional<Version> versionWithStage(String stage) {
        return versions.values().stream().filter(v -> v.stages.contains(stage)).findFirst();
    }

    /**
     * Attaches staging labels to a version, taking each label away from the version that had it.
     * When AWSCURRENT moves, the version that had it becomes AWSPREVIOUS.
     */
    void moveStages(Version target, Iterable<String> stages) {
        for (String stage : stages) {
            Optional<Version> holder = versionWithStage(stage).filter(v -> v != target);
            holder.ifPresent(previousHolder -> {
                previousHolder.stages.remove(stage);
                if (CURRENT.equals(stage)) {
                    versions.values().forEach(v -> v.stages.remove(PREVIOUS));
                    previousHolder.stages.add(PREVIOUS);
                }
            });
            target.stages.add(stage);
        }
    }

    /** Versions that still carry a staging label, as Secrets Manager reports them. */
    Map<String, List<String>> versionIdsToStages() {
        Map<String, List<String>> result = new LinkedHashMap<>();
        for (Version version : versions.values()) {
            if (!version.stages.isEmpty()) {
                result.put(version.versionId, new ArrayList<>(version.stages));
            }
        }
        return result;
    }
}
