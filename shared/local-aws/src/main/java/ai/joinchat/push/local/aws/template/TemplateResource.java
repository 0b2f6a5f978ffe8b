package ai.joinchat.push.local.aws.template;

import java.util.Map;
import java.util.Optional;

/**
 * A resource as declared: logical id, type, properties (intrinsics unresolved), the name of its
 * Condition, if any, and its Metadata (e.g. SAM's {@code BuildMethod}; empty if none).
 */
public record TemplateResource(
        String logicalId,
        String type,
        Map<String, Object> properties,
        Optional<String> condition,
        Map<String, Object> metadata) {
}
