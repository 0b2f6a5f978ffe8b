package ai.joinchat.push.local.aws.template;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Evaluates CloudFormation intrinsic functions in template values: {@code Ref} (parameters,
 * pseudo parameters, resources), {@code Fn::GetAtt}, {@code Fn::Sub}, {@code Fn::Join},
 * {@code Fn::Select}, {@code Fn::Split}, {@code Fn::If} with the template's Conditions,
 * {@code Fn::Equals}, {@code Fn::Not}, {@code Fn::And}, {@code Fn::Or}, {@code Fn::FindInMap},
 * {@code Fn::Base64} and {@code Fn::GetAZs}. {@code Ref: AWS::NoValue} removes the value from the
 * enclosing mapping or sequence. {@code Fn::ImportValue} and {@code Fn::Cidr} are not available
 * locally and fail with a clear message.
 */
public final class IntrinsicResolver {

    /** What {@code Ref: AWS::NoValue} resolves to before its enclosing mapping or sequence drops it. */
    private static final Object NO_VALUE = new Object() {
        @Override
        public String toString() {
            return "AWS::NoValue";
        }
    };

    private final SamTemplate template;
    private final PseudoParameters pseudoParameters;
    private final ResourceReferences resources;

    public IntrinsicResolver(SamTemplate template, PseudoParameters pseudoParameters, ResourceReferences resources) {
        this.template = template;
        this.pseudoParameters = pseudoParameters;
        this.resources = resources;
    }

    /**
     * The value with every intrinsic function evaluated: strings, numbers, booleans, lists and
     * maps. {@code null} when the whole value is {@code AWS::NoValue}.
     */
    public Object resolve(Object value) {
        Object resolved = evaluate(value);
        return resolved == NO_VALUE ? null : resolved;
    }

    /** A resolved mapping, e.g. a resource's Properties. */
    public Map<String, Object> resolveMap(Map<String, ?> values) {
        return YamlValues.map(resolve(values), "value");
    }

    /** A resolved scalar as text: numbers in plain notation ("300"), booleans as "true"/"false". */
    public String resolveToString(Object value) {
        return scalarText(resolve(value));
    }

    /**
     * Every value resolved to text, e.g. environment variables. Entries that resolve to
     * {@code AWS::NoValue} are left out.
     */
    public Map<String, String> resolveToStrings(Map<String, ?> values) {
        Map<String, String> result = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            Object resolved = evaluate(value);
            if (resolved != NO_VALUE) {
                result.put(name, scalarText(resolved));
            }
        });
        return result;
    }

    /** Evaluates a condition of the template's Conditions section. */
    public boolean isConditionTrue(String conditionName) {
        Object definition = template.conditions().get(conditionName);
        if (definition == null) {
            throw new IllegalArgumentException("No condition named " + conditionName + " in the template");
        }
        return evaluateCondition(definition);
    }

    private Object evaluate(Object value) {
        if (value instanceof Map<?, ?> map) {
            if (YamlValues.isIntrinsic(map)) {
                Map.Entry<?, ?> function = map.entrySet().iterator().next();
                return evaluateFunction((String) function.getKey(), function.getValue());
            }
            Map<String, Object> result = new LinkedHashMap<>();
            map.forEach((key, item) -> {
                Object resolved = evaluate(item);
                if (resolved != NO_VALUE) {
                    result.put(String.valueOf(key), resolved);
                }
            });
            return result;
        }
        if (value instanceof List<?> list) {
            List<Object> result = new ArrayList<>();
            for (Object item : list) {
                Object resolved = evaluate(item);
                if (resolved != NO_VALUE) {
                    result.add(resolved);
                }
            }
            return result;
        }
        return value;
    }

    private Object evaluateFunction(String function, Object argument) {
        return switch (function) {
            case "Ref" -> ref(scalarText(evaluate(argument)));
            case "Fn::GetAtt" -> getAtt(argument);
            case "Fn::Sub" -> sub(argument);
            case "Fn::Join" -> join(argument);
            case "Fn::Select" -> select(argument);
            case "Fn::Split" -> split(argument);
            case "Fn::If" -> conditional(argument);
            case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or" -> evaluateCondition(Map.of(function, argument));
            case "Fn::FindInMap" -> findInMap(argument);
            case "Fn::Base64" -> Base64.getEncoder().encodeToString(
                    scalarText(evaluate(argument)).getBytes(StandardCharsets.UTF_8));
            case "Fn::GetAZs" -> List.of(pseudoParameters.region() + "a", pseudoParameters.region() + "b",
                    pseudoParameters.region() + "c");
            case "Fn::ImportValue" -> throw new UnsupportedOperationException(
                    "Fn::ImportValue needs another stack's exports, which a local stack does not have: " + argument);
            default -> throw new UnsupportedOperationException(function + " is not supported locally");
        };
    }

    private Object ref(String name) {
        if ("AWS::NoValue".equals(name)) {
            return NO_VALUE;
        }
        if (name.startsWith("AWS::")) {
            Object value = pseudoParameters.valueOf(name);
            if (value == null) {
                throw new IllegalArgumentException("Unknown pseudo parameter " + name);
            }
            return value;
        }
        TemplateParameter parameter = template.parameters().get(name);
        if (parameter != null) {
            String value = template.parameterValue(name).orElseThrow(() -> new IllegalStateException(
                    "Parameter " + name + " has no default and no value was given"));
            boolean isList = parameter.type().equals("CommaDelimitedList") || parameter.type().startsWith("List<");
            return isList ? Arrays.stream(value.split(",", -1)).map(String::trim).toList() : value;
        }
        return resources.ref(name).orElseThrow(() -> unresolvable("Ref " + name, name));
    }

    private Object getAtt(Object argument) {
        Object resolved = evaluate(argument);
        List<Object> parts = resolved instanceof String dotted
                ? List.copyOf(CloudFormationYaml.splitAttributeReference(dotted))
                : YamlValues.list(resolved, "Fn::GetAtt");
        if (parts.size() != 2) {
            throw new IllegalArgumentException("Fn::GetAtt needs [Resource, Attribute], got: " + argument);
        }
        String logicalId = scalarText(parts.get(0));
        String attribute = scalarText(parts.get(1));
        return resources.attribute(logicalId, attribute)
                .orElseThrow(() -> unresolvable("Fn::GetAtt " + logicalId + "." + attribute, logicalId));
    }

    private RuntimeException unresolvable(String expression, String logicalId) {
        TemplateResource resource = template.resources().get(logicalId);
        if (resource == null) {
            return new IllegalArgumentException(expression + ": no parameter or resource named " + logicalId);
        }
        return new IllegalArgumentException(expression + ": " + resource.type()
                + " resources are not provisioned locally (or not yet), so this value is not known");
    }

    private String sub(Object argument) {
        String text;
        Map<String, Object> variables;
        if (argument instanceof List<?> list) {
            if (list.size() != 2) {
                throw new IllegalArgumentException("Fn::Sub needs a string or [string, variables], got: " + argument);
            }
            text = scalarText(evaluate(list.get(0)));
            variables = YamlValues.map(list.get(1), "Fn::Sub variables");
        } else {
            text = scalarText(evaluate(argument));
            variables = Map.of();
        }
        StringBuilder result = new StringBuilder();
        int position = 0;
        while (position < text.length()) {
            int start = text.indexOf("${", position);
            if (start < 0) {
                result.append(text, position, text.length());
                break;
            }
            int end = text.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("Fn::Sub: unclosed ${ in: " + text);
            }
            result.append(text, position, start);
            String name = text.substring(start + 2, end).trim();
            if (name.startsWith("!")) {
                result.append("${").append(name.substring(1)).append('}');
            } else if (variables.containsKey(name)) {
                result.append(scalarText(evaluate(variables.get(name))));
            } else if (name.contains(".") && !name.startsWith("AWS::")) {
                result.append(scalarText(getAtt(name)));
            } else {
                result.append(scalarText(ref(name)));
            }
            position = end + 1;
        }
        return result.toString();
    }

    private String join(Object argument) {
        List<Object> parts = YamlValues.list(argument, "Fn::Join");
        if (parts.size() != 2) {
            throw new IllegalArgumentException("Fn::Join needs [delimiter, list], got: " + argument);
        }
        String delimiter = scalarText(evaluate(parts.get(0)));
        List<String> values = new ArrayList<>();
        for (Object value : YamlValues.list(evaluate(parts.get(1)), "Fn::Join values")) {
            values.add(scalarText(value));
        }
        return String.join(delimiter, values);
    }

    private Object select(Object argument) {
        List<Object> parts = YamlValues.list(argument, "Fn::Select");
        if (parts.size() != 2) {
            throw new IllegalArgumentException("Fn::Select needs [index, list], got: " + argument);
        }
        int index = Integer.parseInt(scalarText(evaluate(parts.get(0))));
        List<Object> values = YamlValues.list(evaluate(parts.get(1)), "Fn::Select values");
        if (index < 0 || index >= values.size()) {
            throw new IllegalArgumentException("Fn::Select index " + index + " is outside " + values);
        }
        return values.get(index);
    }

    private List<String> split(Object argument) {
        List<Object> parts = YamlValues.list(argument, "Fn::Split");
        if (parts.size() != 2) {
            throw new IllegalArgumentException("Fn::Split needs [delimiter, string], got: " + argument);
        }
        String delimiter = scalarText(evaluate(parts.get(0)));
        String text = scalarText(evaluate(parts.get(1)));
        List<String> result = new ArrayList<>();
        int position = 0;
        int next;
        while ((next = text.indexOf(delimiter, position)) >= 0 && !delimiter.isEmpty()) {
            result.add(text.substring(position, next));
            position = next + delimiter.length();
        }
        result.add(text.substring(position));
        return result;
    }

    private Object conditional(Object argument) {
        List<Object> parts = YamlValues.list(argument, "Fn::If");
        if (parts.size() != 3) {
            throw new IllegalArgumentException("Fn::If needs [condition, value if true, value if false], got: " + argument);
        }
        return evaluate(isConditionTrue(scalarText(parts.get(0))) ? parts.get(1) : parts.get(2));
    }

    private boolean evaluateCondition(Object expression) {
        if (expression instanceof Boolean value) {
            return value;
        }
        if (expression instanceof Map<?, ?> map && map.size() == 1) {
            Map.Entry<?, ?> function = map.entrySet().iterator().next();
            Object argument = function.getValue();
            switch (String.valueOf(function.getKey())) {
                case "Condition":
                    return isConditionTrue(scalarText(argument));
                case "Fn::Equals": {
                    List<Object> sides = YamlValues.list(argument, "Fn::Equals");
                    if (sides.size() != 2) {
                        throw new IllegalArgumentException("Fn::Equals needs two values, got: " + argument);
                    }
                    return Objects.equals(scalarText(evaluate(sides.get(0))), scalarText(evaluate(sides.get(1))));
                }
                case "Fn::Not": {
                    List<Object> operand = YamlValues.list(argument, "Fn::Not");
                    if (operand.size() != 1) {
                        throw new IllegalArgumentException("Fn::Not needs one condition, got: " + argument);
                    }
                    return !evaluateCondition(operand.get(0));
                }
                case "Fn::And":
                    return YamlValues.list(argument, "Fn::And").stream().allMatch(this::evaluateCondition);
                case "Fn::Or":
                    return YamlValues.list(argument, "Fn::Or").stream().anyMatch(this::evaluateCondition);
                default:
                    break;
            }
        }
        Object resolved = evaluate(expression);
        if (resolved instanceof Boolean value) {
            return value;
        }
        if ("true".equals(resolved) || "false".equals(resolved)) {
            return Boolean.parseBoolean((String) resolved);
        }
        throw new IllegalArgumentException("Not a condition: " + expression);
    }

    private Object findInMap(Object argument) {
        List<Object> parts = YamlValues.list(argument, "Fn::FindInMap");
        if (parts.size() != 3) {
            throw new IllegalArgumentException("Fn::FindInMap needs [map, top-level key, second-level key], got: " + argument);
        }
        String mapName = scalarText(evaluate(parts.get(0)));
        String topKey = scalarText(evaluate(parts.get(1)));
        String secondKey = scalarText(evaluate(parts.get(2)));
        Object value = YamlValues.map(YamlValues.map(template.mappings().get(mapName), "Mappings." + mapName)
                .get(topKey), "Mappings." + mapName + "." + topKey).get(secondKey);
        if (value == null) {
            throw new IllegalArgumentException("Fn::FindInMap: nothing at " + mapName + "." + topKey + "." + secondKey);
        }
        return evaluate(value);
    }

    /** A resolved scalar as CloudFormation passes it on: text, numbers in plain notation. */
    static String scalarText(Object value) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof Number number) {
            return new BigDecimal(number.toString()).stripTrailingZeros().toPlainString();
        }
        if (value == null || value == NO_VALUE) {
            throw new IllegalArgumentException("A value is missing where text is needed");
        }
        throw new IllegalArgumentException("Expected a single value, got: " + value);
    }
}
