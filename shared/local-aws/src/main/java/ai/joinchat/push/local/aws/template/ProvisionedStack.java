package ai.joinchat.push.local.aws.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A template provisioned as a local stack: the physical tables and queues by logical id (in the
 * order they were created), and the functions' environments with every intrinsic resolved against
 * them.
 */
public final class ProvisionedStack {

    private final SamTemplate template;
    private final PseudoParameters pseudoParameters;
    private final Map<String, ProvisionedTable> tables;
    private final Map<String, ProvisionedQueue> queues;
    private final IntrinsicResolver resolver;

    ProvisionedStack(SamTemplate template, PseudoParameters pseudoParameters,
                     Map<String, ProvisionedTable> tables, Map<String, ProvisionedQueue> queues) {
        this.template = template;
        this.pseudoParameters = pseudoParameters;
        this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
        this.queues = Collections.unmodifiableMap(new LinkedHashMap<>(queues));
        this.resolver = template.resolver(pseudoParameters, references(this.tables, this.queues));
    }

    public SamTemplate template() {
        return template;
    }

    public String stackName() {
        return pseudoParameters.stackName();
    }

    public String region() {
        return pseudoParameters.region();
    }

    /** Tables by logical id. */
    public Map<String, ProvisionedTable> tables() {
        return tables;
    }

    /** Queues by logical id. */
    public Map<String, ProvisionedQueue> queues() {
        return queues;
    }

    public ProvisionedQueue queue(String logicalId) {
        return found(queues, logicalId, "queue");
    }

    public String tableName(String logicalId) {
        return found(tables, logicalId, "table").name();
    }

    public String queueUrl(String logicalId) {
        return queue(logicalId).url();
    }

    public String queueArn(String logicalId) {
        return queue(logicalId).arn();
    }

    /**
     * The function's environment variables (Globals, then its own) with every intrinsic resolved
     * against this stack; numbers as plain text ("300").
     */
    public Map<String, String> environmentOf(String functionLogicalId) {
        return Collections.unmodifiableMap(resolver.resolveToStrings(template.function(functionLogicalId).environment(),
                functionLogicalId + ".Environment.Variables"));
    }

    private <T> T found(Map<String, T> resources, String logicalId, String kind) {
        T resource = resources.get(logicalId);
        if (resource == null) {
            throw new IllegalArgumentException("No " + kind + " " + logicalId + " in stack " + stackName() + "; "
                    + kind + "s: " + resources.keySet());
        }
        return resource;
    }

    /**
     * Ref and Fn::GetAtt of tables (Ref: name; Arn) and queues (Ref: URL; Arn, QueueName). The
     * maps are read live, so a stack being provisioned can resolve what exists so far.
     */
    static ResourceReferences references(Map<String, ProvisionedTable> tables, Map<String, ProvisionedQueue> queues) {
        return (logicalId, attribute) -> {
            ProvisionedTable table = tables.get(logicalId);
            ProvisionedQueue queue = queues.get(logicalId);
            return Optional.ofNullable(table != null ? switch (attribute) {
                case ResourceReferences.REF -> table.name();
                case "Arn" -> table.arn();
                default -> null;
            } : queue == null ? null : switch (attribute) {
                case ResourceReferences.REF -> queue.url();
                case "Arn" -> queue.arn();
                case "QueueName" -> queue.name();
                default -> null;
            });
        };
    }
}
