package ai.joinchat.push.config;

import java.util.Set;

/**
 * IAM actions a function's code needs on the resource one of its environment variables names. A
 * test checks that template.yaml grants each function exactly its grants: a new SDK call is one
 * line in the components class and one in the template.
 */
public record IamGrant(EnvVar resource, Scope scope, Set<String> actions) {

    public enum Scope {
        RESOURCE,
        INDEXES,
        /** {@code Resource: "*"}, for actions IAM cannot narrow that reveal names, never values (ListSecrets). */
        ANY_RESOURCE
    }

    public static IamGrant on(EnvVar resource, String... actions) {
        return new IamGrant(resource, Scope.RESOURCE, Set.of(actions));
    }

    /** {@link Scope#ANY_RESOURCE} actions the code narrows to what the variable names (ListSecrets by prefix). */
    public static IamGrant onAnyResource(EnvVar narrowedTo, String... actions) {
        return new IamGrant(narrowedTo, Scope.ANY_RESOURCE, Set.of(actions));
    }

    public static IamGrant onIndexes(EnvVar table, String... actions) {
        return new IamGrant(table, Scope.INDEXES, Set.of(actions));
    }
}
