package ai.joinchat.push.local.aws.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A template provisioned as a local stack: the physical tables and queues by logical id, and the
 * functions' environments with every intrinsic resolved against them.
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

    public ProvisionedTable table(String logicalId) {
        ProvisionedTable table = tables.get(logicalId);
        if (table == null) {
            throw new IllegalArgumentException("No table " + logicalId + " in stack " + stackName() + "; tables: " + tables.keySet());
        }
        return table;
    }

    public ProvisionedQueue queue(String logicalId) {
        ProvisionedQueue queue = queues.get(logicalId);
        if (queue == null) {
            throw new IllegalArgumentException("No queue " + logicalId + " in stack " + stackName() + "; queues: " + queues.keySet());
        }
        return queue;
    }

    public String tableName(String logicalId) {
        return table(logicalId).name();
    }

    public String queueUrl(String logicalId) {
        return queue(logicalId).url();
    }

    public String queueArn(String logicalId) {
        return queue(logicalId).arn();
    }

    /** What {@code Ref} gives for each provisioned resource: table names and queue URLs. */
    public Map<String, String> physicalIds() {
        Map<String, String> ids = new LinkedHashMap<>();
        tables.forEach((logicalId, table) -> ids.put(logicalId, table.name()));
        queues.forEach((logicalId, queue) -> ids.put(logicalId, queue.url()));
        return ids;
    }

    /**
     * The function's environment variables (Globals, then its own) with every intrinsic resolved
     * against this stack; numbers as plain text ("300").
     */
    public Map<String, String> environmentOf(String functionLogicalId) {
        return Collections.unmodifiableMap(
                resolver.resolveToStrings(template.function(functionLogicalId).environment()));
    }

    /** Resolves any template value against this stack. */
    public IntrinsicResolver resolver() {
        return resolver;
    }

    /**
     * Ref and Fn::GetAtt of tables (Ref: name; Arn, StreamArn) and queues (Ref: URL; Arn,
     * QueueName, QueueUrl). The maps are read live, so a stack being provisioned can resolve what
     * exists so far.
     */
    static ResourceReferences references(Map<String, ProvisionedTable> tables, Map<String, ProvisionedQueue> queues) {
        return new ResourceReferences() {
            @Override
            public Optional<String> ref(String logicalId) {
                if (tables.containsKey(logicalId)) {
                    return Optional.of(tables.get(logicalId).name());
                }
                return Optional.ofNullable(queues.get(logicalId)).map(ProvisionedQueue::url);
            }

            @Override
            public Optional<String> attribute(String logicalId, String attribute) {
                ProvisionedTable table = tables.get(logicalId);
                if (table != null) {
                    return switch (attribute) {
                        case "Arn" -> Optional.of(table.arn());
                        case "StreamArn" -> table.streamArn();
                        default -> Optional.empty();
                    };
                }
                ProvisionedQueue queue = queues.get(logicalId);
                if (queue != null) {
                    return switch (attribute) {
                        case "Arn" -> Optional.of(queue.arn());
                        case "QueueName" -> Optional.of(queue.name());
                        case "QueueUrl" -> Optional.of(queue.url());
                        default -> Optional.empty();
                    };
                }
                return Optional.empty();
            }
        };
    }
}
