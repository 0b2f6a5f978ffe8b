package ai.joinchat.push.local.aws.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A template provisioned as a local stack: the physical tables and queues by logical id (in the
 * order they were created), and the functions' environments with every intrinsic resolved against
 * them.
 */
public final class ProvisionedStack {

    private final SamTemplate template;
    private final String stackName;
    private final String region;
    /** Filled by {@link StackProvisioner}, in the order it creates them. */
    final Map<String, ProvisionedTable> tables = new LinkedHashMap<>();
    final Map<String, ProvisionedQueue> queues = new LinkedHashMap<>();

    ProvisionedStack(SamTemplate template, String stackName, String region) {
        this.template = template;
        this.stackName = stackName;
        this.region = region;
    }

    public SamTemplate template() {
        return template;
    }

    public String stackName() {
        return stackName;
    }

    public String region() {
        return region;
    }

    /** Tables by logical id. */
    public Map<String, ProvisionedTable> tables() {
        return Collections.unmodifiableMap(tables);
    }

    /** Queues by logical id. */
    public Map<String, ProvisionedQueue> queues() {
        return Collections.unmodifiableMap(queues);
    }

    public ProvisionedQueue queue(String logicalId) {
        return found(queues, logicalId, "queue");
    }

    public String tableName(String logicalId) {
        return found(tables, logicalId, "table").name();
    }

    /** The ARN of the table's stream; fails when the table declares no StreamSpecification. */
    public String streamArn(String tableLogicalId) {
        return found(tables, tableLogicalId, "table").streamArn().orElseThrow(() -> new IllegalArgumentException(
                "Table " + tableLogicalId + " of stack " + stackName + " has no stream (no StreamSpecification)"));
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
        return Collections.unmodifiableMap(new IntrinsicResolver(template, region, this::attribute).resolveToStrings(
                template.function(functionLogicalId).environment(), functionLogicalId + ".Environment.Variables"));
    }

    private <T> T found(Map<String, T> resources, String logicalId, String kind) {
        T resource = resources.get(logicalId);
        if (resource == null) {
            throw new IllegalArgumentException("No " + kind + " " + logicalId + " in stack " + stackName + "; "
                    + kind + "s: " + resources.keySet());
        }
        return resource;
    }

    /**
     * {@code Ref} (attribute "Ref") and {@code Fn::GetAtt} of a table (name; Arn, StreamArn) or queue (URL;
     * Arn, QueueName) created so far; null for any other.
     */
    String attribute(String logicalId, String attribute) {
        ProvisionedTable table = tables.get(logicalId);
        ProvisionedQueue queue = queues.get(logicalId);
        return table != null ? switch (attribute) {
            case "Ref" -> table.name();
            case "Arn" -> table.arn();
            case "StreamArn" -> table.streamArn().orElse(null);
            default -> null;
        } : queue == null ? null : switch (attribute) {
            case "Ref" -> queue.url();
            case "Arn" -> queue.arn();
            case "QueueName" -> queue.name();
            default -> null;
        };
    }
}
