package ai.joinchat.push.config;

import java.util.Objects;
import java.util.Set;

/**
 * One permission a function's code needs: IAM actions on the resource that one of its environment
 * variables names (a table, its indexes, a queue, a secret or the page secrets' prefix). Each
 * function's components class lists its grants next to the adapters that make the calls, and a test
 * checks that template.yaml grants that function exactly these actions on exactly these resources:
 * a new SDK call is one line here and one line in the template.
 *
 * @param resource the variable whose template value is the resource ({@code !Ref MessagesTable}, ...)
 * @param scope    the resource itself, or (tables) its indexes, {@code ${Table.Arn}/index/*}, or
 *                 every resource for an action AWS grants on {@code "*"} only (ListSecrets)
 * @param actions  e.g. {@code dynamodb:GetItem}
 */
public record IamGrant(EnvVar resource, Scope scope, Set<String> actions) {

    /** What part of the resource the actions apply to. */
    public enum Scope {
        RESOURCE,
        INDEXES,
        /**
         * {@code Resource: "*"}: the action has no resource-level permissions (AWS's service
         * authorization reference lists no resource type for it), so IAM cannot narrow it. Only
         * for actions that reveal names, never values (ListSecrets); the variable says what the
         * code narrows it to itself (a name filter).
         */
        ANY_RESOURCE
    }

    public IamGrant {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(scope, "scope");
        actions = Set.copyOf(actions);
        if (actions.isEmpty() || actions.stream().anyMatch(a -> !a.matches("[a-z0-9-]+:[A-Za-z]+"))) {
            throw new IllegalArgumentException("actions are service:Action names: " + actions);
        }
    }

    /** Actions on the resource the variable names. */
    public static IamGrant on(EnvVar resource, String... actions) {
        return new IamGrant(resource, Scope.RESOURCE, Set.of(actions));
    }

    /**
     * Actions IAM grants only on every resource, used by the code on what the variable names
     * (e.g. ListSecrets filtered by the page prefix).
     */
    public static IamGrant onAnyResource(EnvVar narrowedTo, String... actions) {
        return new IamGrant(narrowedTo, Scope.ANY_RESOURCE, Set.of(actions));
    }

    /** Actions on the indexes of the table the variable names. */
    public static IamGrant onIndexes(EnvVar table, String... actions) {
        return new IamGrant(table, Scope.INDEXES, Set.of(actions));
    }
}
