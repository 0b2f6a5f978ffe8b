package ai.joinchat.push.local.aws.template;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What tests read of a template beyond what local mode needs: declarations as written (resources,
 * parameters, metadata), the template with other parameter values, and its Conditions evaluated.
 */
public final class TemplateDocument {

    private final SamTemplate template;

    public TemplateDocument(SamTemplate template) {
        this.template = template;
    }

    public SamTemplate template() {
        return template;
    }

    /**
     * The mapping at this path of the document, e.g. {@code map("Resources", "WorkerFunction", "Metadata")};
     * an absent one is empty.
     */
    public Map<String, Object> map(String... path) {
        Map<String, Object> map = template.document();
        for (String key : path) {
            map = YamlValues.map(map.get(key), String.join(".", path));
        }
        return map;
    }

    public String type(String logicalId) {
        return String.valueOf(map("Resources", logicalId).get("Type"));
    }

    public Map<String, Object> properties(String logicalId) {
        return map("Resources", logicalId, "Properties");
    }

    /** The logical ids of the resources of one type (e.g. "AWS::SQS::Queue"), in template order. */
    public List<String> resourcesOfType(String type) {
        return List.copyOf(template.resources(type).keySet());
    }

    /** The template with these parameter values in place of the defaults, as sam deploy --parameter-overrides gives them. */
    public TemplateDocument withParameters(Map<String, String> values) {
        Map<String, Object> parameters = new LinkedHashMap<>(map("Parameters"));
        values.forEach((name, value) -> {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException("The template declares no parameter named " + name);
            }
            Map<String, Object> declaration = new LinkedHashMap<>(map("Parameters", name));
            declaration.put("Default", value);
            parameters.put(name, declaration);
        });
        Map<String, Object> document = new LinkedHashMap<>(template.document());
        document.put("Parameters", parameters);
        return new TemplateDocument(new SamTemplate(document));
    }

    /** Evaluates a condition of the Conditions section, which template.yaml writes with Fn::And, Fn::Not and Fn::Equals. */
    public boolean isConditionTrue(String name) {
        return condition(map("Conditions").get(name), "Conditions." + name);
    }

    private boolean condition(Object expression, String where) {
        if (!(expression instanceof Map<?, ?> map) || map.size() != 1
                || !(map.values().iterator().next() instanceof List<?> operands)) {
            throw new IllegalArgumentException("Not a condition at " + where + ": " + expression);
        }
        String function = String.valueOf(map.keySet().iterator().next());
        IntrinsicResolver resolver = new IntrinsicResolver(template, "us-east-1", (logicalId, attribute) -> null);
        return switch (function) {
            case "Fn::And" -> operands.stream().allMatch(operand -> condition(operand, where + ".Fn::And"));
            case "Fn::Not" -> !condition(operands.get(0), where + ".Fn::Not");
            case "Fn::Equals" -> operands.stream().map(operand -> resolver.resolveToString(operand, where)).distinct().count() == 1;
            default -> throw new IllegalArgumentException(function + " at " + where + " is not evaluated here");
        };
    }
}
