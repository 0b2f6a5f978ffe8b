package ai.joinchat.push.local.aws.template;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates the CloudFormation intrinsic functions template.yaml uses in values: {@code Ref}
 * (parameters at their defaults, the pseudo parameters AWS::Region, AWS::AccountId, AWS::Partition
 * and AWS::URLSuffix, resources), {@code Fn::GetAtt} and {@code Fn::Sub} of a string. Any other
 * intrinsic fails with an {@link IllegalArgumentException} naming it and where it stands, e.g.
 * {@code "Fn::Join at WorkerFunction.Environment.Variables.X is not supported locally"}.
 */
final class IntrinsicResolver {

    static final String LOCAL_ACCOUNT_ID = "000000000000";
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    private final SamTemplate template;
    private final String region;
    /** (logical id, attribute) to the value of {@code Fn::GetAtt} (of {@code Ref} for "Ref"); null if not known. */
    private final BiFunction<String, String, String> resources;

    IntrinsicResolver(SamTemplate template, String region, BiFunction<String, String, String> resources) {
        this.template = template;
        this.region = region;
        this.resources = resources;
    }

    /** The value with every intrinsic function evaluated; {@code where} (e.g. "MessageQueue.Properties") names it in errors. */
    Object resolve(Object value, String where) {
        if (value instanceof Map<?, ?> map) {
            // An intrinsic function in long form: a one-entry mapping keyed Ref or Fn::*.
            Object function = map.size() == 1 ? map.keySet().iterator().next() : null;
            if ("Ref".equals(function) || function instanceof String name && name.startsWith("Fn::")) {
                return evaluate((String) function, map.get(function), where);
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
    Map<String, String> resolveToStrings(Map<String, ?> values, String where) {
        Map<String, String> result = new LinkedHashMap<>();
        values.forEach((name, value) -> result.put(name, resolveToString(value, where + "." + name)));
        return result;
    }

    /** A resolved scalar as text: numbers in plain notation ("300"), booleans as "true"/"false". */
    String resolveToString(Object value, String where) {
        return scalarText(resolve(value, where));
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

    private static IllegalArgumentException unsupported(String function, String where) {
        return new IllegalArgumentException(function + " at " + where
                + " is not supported locally: local stacks resolve Ref, Fn::GetAtt and Fn::Sub of a string");
    }

    private String ref(String name, String where) {
        if (name.startsWith("AWS::")) {
            return switch (name) {
                case "AWS::Region" -> region;
                case "AWS::AccountId" -> LOCAL_ACCOUNT_ID;
                case "AWS::Partition" -> "aws";
                case "AWS::URLSuffix" -> "amazonaws.com";
                default -> throw new IllegalArgumentException("The pseudo parameter " + name + " at " + where + " is not"
                        + " supported locally; local stacks know AWS::Region, AWS::AccountId, AWS::Partition and AWS::URLSuffix");
            };
        }
        Map<String, Object> parameter = template.declared("Parameters", name);
        if (parameter != null) {
            if (parameter.get("Default") == null) {
                throw new IllegalArgumentException("Parameter " + name + " at " + where + " has no default");
            }
            return scalarText(parameter.get("Default"));
        }
        return resource(name, "Ref", "Ref " + name);
    }

    private String getAtt(List<?> parts) {
        if (parts.size() != 2) {
            throw new IllegalArgumentException("Fn::GetAtt needs [Resource, Attribute], got: " + parts);
        }
        String logicalId = scalarText(parts.get(0));
        String attribute = scalarText(parts.get(1));
        return resource(logicalId, attribute, "Fn::GetAtt " + logicalId + "." + attribute);
    }

    private String resource(String logicalId, String attribute, String expression) {
        String value = resources.apply(logicalId, attribute);
        if (value != null) {
            return value;
        }
        Map<String, Object> resource = template.declared("Resources", logicalId);
        throw new IllegalArgumentException(expression + (resource == null ? ": no parameter or resource named " + logicalId
                : ": " + resource.get("Type") + " resources are not provisioned locally (or not yet), so this value is not known"));
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
