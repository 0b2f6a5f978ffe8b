package ai.joinchat.push.local.aws.template;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates the CloudFormation intrinsic functions template.yaml uses: {@code Ref} (parameters,
 * pseudo parameters, resources), {@code Fn::GetAtt} and {@code Fn::Sub} of a string in values,
 * and in the Conditions section {@code Fn::And}, {@code Fn::Not}, {@code Fn::Equals} and
 * {@code Condition}. Any other intrinsic fails with an {@link IllegalArgumentException} naming it and where it stands,
 * e.g. {@code "Fn::Join at WorkerFunction.Environment.Variables.X is not supported locally"}.
 */
public final class IntrinsicResolver {

    private static final String SUPPORTED = "local stacks resolve Ref, Fn::GetAtt and Fn::Sub of a string,"
            + " and in Conditions Fn::And, Fn::Not, Fn::Equals and Condition";
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    private final SamTemplate template;
    private final PseudoParameters pseudoParameters;
    private final ResourceReferences resources;

    public IntrinsicResolver(SamTemplate template, PseudoParameters pseudoParameters, ResourceReferences resources) {
        this.template = template;
        this.pseudoParameters = pseudoParameters;
        this.resources = resources;
    }

    /** The value with every intrinsic function evaluated: strings, numbers, booleans, lists and maps. */
    public Object resolve(Object value) {
        return resolve(value, "value");
    }

    /** As {@link #resolve(Object)}; {@code where} (e.g. "MessageQueue.Properties") names the value in errors. */
    public Object resolve(Object value, String where) {
        if (value instanceof Map<?, ?> map) {
            if (YamlValues.isIntrinsic(map)) {
                Map.Entry<?, ?> function = map.entrySet().iterator().next();
                return evaluate((String) function.getKey(), function.getValue(), where);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            map.forEach((key, item) -> result.put(String.valueOf(key), resolve(item, where + "." + key)));
            return result;
        }
        if (value instanceof List<?> list) {
            List<Object> result = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                result.add(resolve(list.get(i), where + "[" + i + "]"));
            }
            return result;
        }
        return value;
    }

    /** Every value resolved to text, e.g. environment variables. */
    public Map<String, String> resolveToStrings(Map<String, ?> values) {
        return resolveToStrings(values, "value");
    }

    public Map<String, String> resolveToStrings(Map<String, ?> values, String where) {
        Map<String, String> result = new LinkedHashMap<>();
        values.forEach((name, value) -> result.put(name, resolveToString(value, where + "." + name)));
        return result;
    }

    /** A resolved scalar as text: numbers in plain notation ("300"), booleans as "true"/"false". */
    String resolveToString(Object value, String where) {
        return scalarText(resolve(value, where));
    }

    /** Evaluates a condition of the template's Conditions section. */
    public boolean isConditionTrue(String conditionName) {
        Object definition = template.conditions().get(conditionName);
        if (definition == null) {
            throw new IllegalArgumentException("No condition named " + conditionName + " in the template");
        }
        return condition(definition, "Conditions." + conditionName);
    }

    private Object evaluate(String function, Object argument, String where) {
        return switch (function) {
            case "Ref" -> ref(scalarText(argument), where);
            case "Fn::GetAtt" -> getAtt(argument instanceof String dotted ? CloudFormationYaml.splitAttributeReference(dotted)
                    : YamlValues.list(argument, "Fn::GetAtt at " + where));
            case "Fn::Sub" -> sub(argument, where);
            default -> throw unsupported(function, where);
        };
    }

    private boolean condition(Object expression, String where) {
        if (!(expression instanceof Map<?, ?> map) || map.size() != 1) {
            throw new IllegalArgumentException("Not a condition at " + where + ": " + expression);
        }
        Map.Entry<?, ?> function = map.entrySet().iterator().next();
        Object argument = function.getValue();
        String name = String.valueOf(function.getKey());
        List<Object> operands = name.equals("Condition") ? List.of() : YamlValues.list(argument, name + " at " + where);
        return switch (name) {
            case "Condition" -> isConditionTrue(scalarText(argument));
            case "Fn::And" -> operands.stream().allMatch(operand -> condition(operand, where + ".Fn::And"));
            case "Fn::Not" -> !condition(only(operands, 1, name, where).get(0), where + ".Fn::Not");
            case "Fn::Equals" -> only(operands, 2, name, where).stream()
                    .map(operand -> resolveToString(operand, where + ".Fn::Equals")).distinct().count() == 1;
            default -> throw unsupported(name, where);
        };
    }

    private static List<Object> only(List<Object> operands, int count, String function, String where) {
        if (operands.size() != count) {
            throw new IllegalArgumentException(function + " at " + where + " needs " + count + " operands, got: " + operands);
        }
        return operands;
    }

    private static IllegalArgumentException unsupported(String function, String where) {
        return new IllegalArgumentException(function + " at " + where + " is not supported locally: " + SUPPORTED);
    }

    private String ref(String name, String where) {
        if (name.startsWith("AWS::")) {
            String value = pseudoParameters.valueOf(name);
            if (value == null) {
                throw new IllegalArgumentException("The pseudo parameter " + name + " at " + where
                        + " is not supported locally; local stacks know AWS::Region, AWS::AccountId, AWS::Partition and AWS::URLSuffix");
            }
            return value;
        }
        if (template.parameters().containsKey(name)) {
            return template.parameterValue(name).orElseThrow(() -> new IllegalStateException(
                    "Parameter " + name + " has no default and no value was given"));
        }
        return resources.value(name, ResourceReferences.REF).orElseThrow(() -> unresolvable("Ref " + name, name));
    }

    private String getAtt(List<?> parts) {
        if (parts.size() != 2) {
            throw new IllegalArgumentException("Fn::GetAtt needs [Resource, Attribute], got: " + parts);
        }
        String logicalId = scalarText(parts.get(0));
        String attribute = scalarText(parts.get(1));
        return resources.value(logicalId, attribute)
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

    /**
     * {@code Fn::Sub} of a string: each {@code ${Name}} is what {@code Ref Name} gives, each
     * {@code ${Resource.Attribute}} what {@code Fn::GetAtt} gives. The [string, variables] form is not supported.
     */
    private String sub(Object argument, String where) {
        if (!(argument instanceof String text)) {
            throw unsupported("Fn::Sub with a variables map", where);
        }
        return SUB_VARIABLE.matcher(text).replaceAll(variable -> {
            String name = variable.group(1).trim();
            return Matcher.quoteReplacement(name.contains(".") && !name.startsWith("AWS::")
                    ? getAtt(CloudFormationYaml.splitAttributeReference(name)) : ref(name, where));
        });
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
        if (value == null) {
            throw new IllegalArgumentException("A value is missing where text is needed");
        }
        throw new IllegalArgumentException("Expected a single value, got: " + value);
    }
}
