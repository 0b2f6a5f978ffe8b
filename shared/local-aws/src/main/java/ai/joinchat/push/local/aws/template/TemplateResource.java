package ai.joinchat.push.local.aws.template;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A resource as declared: logical id, type, properties (intrinsics unresolved), DependsOn and the
 * name of its Condition, if any.
 */
public record TemplateResource(
        String logicalId,
        String type,
        Map<String, Object> properties,
        List<String> dependsOn,
        Optional<String> condition) {
}
