package ai.joinchat.push.local.aws.template;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Orders resources so that each comes after the resources it refers to (Ref, Fn::GetAtt,
 * Fn::Sub, DependsOn), as CloudFormation creates them; e.g. a dead-letter queue before the queue
 * whose RedrivePolicy names it. Otherwise template order is kept.
 */
final class ResourceOrder {

    private ResourceOrder() {
    }

    static List<TemplateResource> dependenciesFirst(Collection<TemplateResource> resources) {
        Map<String, TemplateResource> pending = new LinkedHashMap<>();
        resources.forEach(resource -> pending.put(resource.logicalId(), resource));
        Map<String, Set<String>> dependencies = new LinkedHashMap<>();
        for (TemplateResource resource : resources) {
            Set<String> referenced = referencedLogicalIds(resource.properties());
            referenced.addAll(resource.dependsOn());
            referenced.retainAll(pending.keySet());
            referenced.remove(resource.logicalId());
            dependencies.put(resource.logicalId(), referenced);
        }
        List<TemplateResource> ordered = new ArrayList<>();
        Set<String> placed = new LinkedHashSet<>();
        while (!pending.isEmpty()) {
            TemplateResource ready = pending.values().stream()
                    .filter(resource -> placed.containsAll(dependencies.get(resource.logicalId())))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "Circular references between resources " + pending.keySet()));
            ordered.add(ready);
            placed.add(ready.logicalId());
            pending.remove(ready.logicalId());
        }
        return ordered;
    }

    /** Logical ids (or parameter names) that a value refers to through Ref, Fn::GetAtt or Fn::Sub. */
    static Set<String> referencedLogicalIds(Object value) {
        Set<String> ids = new LinkedHashSet<>();
        collectReferences(value, ids);
        return ids;
    }

    private static void collectReferences(Object value, Set<String> ids) {
        if (value instanceof Map<?, ?> map) {
            if (YamlValues.isIntrinsic(map)) {
                Map.Entry<?, ?> function = map.entrySet().iterator().next();
                Object argument = function.getValue();
                switch (String.valueOf(function.getKey())) {
                    case "Ref" -> {
                        if (argument instanceof String name) {
                            ids.add(name);
                        }
                    }
                    case "Fn::GetAtt" -> {
                        if (argument instanceof String dotted) {
                            ids.add(CloudFormationYaml.splitAttributeReference(dotted).get(0));
                        } else if (argument instanceof List<?> parts && !parts.isEmpty() && parts.get(0) instanceof String id) {
                            ids.add(id);
                        }
                    }
                    case "Fn::Sub" -> {
                        Object text = argument instanceof List<?> parts && !parts.isEmpty() ? parts.get(0) : argument;
                        if (text instanceof String template) {
                            ids.addAll(substitutionNames(template));
                        }
                    }
                    default -> {
                        // other functions only combine values: look inside
                    }
                }
                collectReferences(argument, ids);
            } else {
                map.values().forEach(item -> collectReferences(item, ids));
            }
        } else if (value instanceof List<?> list) {
            list.forEach(item -> collectReferences(item, ids));
        }
    }

    /** The logical ids of {@code ${Name}} and {@code ${Name.Attribute}} in a Fn::Sub string. */
    private static Set<String> substitutionNames(String template) {
        Set<String> names = new LinkedHashSet<>();
        int start = template.indexOf("${");
        while (start >= 0) {
            int end = template.indexOf('}', start);
            if (end < 0) {
                break;
            }
            String name = template.substring(start + 2, end).trim();
            if (!name.startsWith("!")) {
                int dot = name.indexOf('.');
                names.add(dot > 0 ? name.substring(0, dot) : name);
            }
            start = template.indexOf("${", end);
        }
        return names;
    }
}
