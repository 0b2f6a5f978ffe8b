package ai.joinchat.push.local;

import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.ServerlessFunction;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * events/env.json ({@code sam local invoke --env-vars}) can only work as documented if it names
 * variables the template declares for each function (SAM CLI ignores any other), and the table and
 * queue names local mode provisions ({@code local-<LogicalId>}).
 */
class SamLocalEnvFileTest {

    private static final Path ROOT = LocalMode.findRepositoryRoot();
    private static final SamTemplate TEMPLATE = SamTemplate.read(ROOT.resolve("template.yaml"));

    @Test
    void everyVariableIsDeclaredForTheFunctionsItIsGivenTo() throws IOException {
        JsonNode env = new ObjectMapper().readTree(ROOT.resolve("events/env.json").toFile());
        Set<String> keys = new TreeSet<>();
        env.fieldNames().forEachRemaining(keys::add);
        Set<String> expected = new TreeSet<>(Set.of("Parameters"));
        TEMPLATE.functions().forEach(function -> expected.add(function.logicalId()));
        assertEquals(expected, keys);

        for (ServerlessFunction function : TEMPLATE.functions()) {
            Set<String> declared = function.environment().keySet();
            env.get("Parameters").fieldNames().forEachRemaining(name ->
                    assertTrue(declared.contains(name), function.logicalId() + " does not declare " + name));
            env.get(function.logicalId()).fieldNames().forEachRemaining(name ->
                    assertTrue(declared.contains(name), function.logicalId() + " does not declare " + name));
        }
    }

    /**
     * SAM CLI gives a function only what env.json names for it (its own section or
     * {@code Parameters}); for the rest it resolves the template's value, which it cannot do for
     * a resource's attribute, so a variable left out arrives empty or as the logical id.
     */
    @Test
    void everyVariableTheTemplateGivesAFunctionIsNamedForIt() throws IOException {
        JsonNode env = new ObjectMapper().readTree(ROOT.resolve("events/env.json").toFile());
        for (ServerlessFunction function : TEMPLATE.functions()) {
            Set<String> missing = new TreeSet<>(function.environment().keySet());
            env.get("Parameters").fieldNames().forEachRemaining(missing::remove);
            env.get(function.logicalId()).fieldNames().forEachRemaining(missing::remove);
            assertEquals(Set.of(), missing, "events/env.json does not name these variables of " + function.logicalId());
        }
    }

    @Test
    void namesAreTheOnesLocalModeProvisionsAndEveryResourceVariableIsSet() throws IOException {
        JsonNode env = new ObjectMapper().readTree(ROOT.resolve("events/env.json").toFile());
        for (ServerlessFunction function : TEMPLATE.functions()) {
            for (Map.Entry<String, Object> variable : function.environment().entrySet()) {
                String logicalId = referencedResource(variable.getValue());
                if (logicalId == null) {
                    continue; // parameters and literals: the template's defaults work locally
                }
                JsonNode value = env.get(function.logicalId()).has(variable.getKey())
                        ? env.get(function.logicalId()).get(variable.getKey())
                        : env.get("Parameters").get(variable.getKey());
                assertTrue(value != null, function.logicalId() + ": " + variable.getKey() + " (" + logicalId + ") is not set");
                String name = LocalMode.STACK_NAME + "-" + logicalId;
                assertTrue(value.asText().equals(name) || value.asText().endsWith("/" + name)
                                || value.asText().endsWith(":" + name),
                        variable.getKey() + " = " + value.asText() + ", local mode provisions " + name);
            }
        }
    }

    /** The resource a {@code !Ref} or {@code !GetAtt} names, or null for a parameter or a literal. */
    private static String referencedResource(Object value) {
        if (!(value instanceof Map<?, ?> intrinsic)) {
            return null;
        }
        Object target = intrinsic.containsKey("Ref") ? intrinsic.get("Ref")
                : intrinsic.get("Fn::GetAtt") instanceof List<?> attribute && !attribute.isEmpty() ? attribute.get(0)
                : intrinsic.get("Fn::GetAtt") instanceof String attribute ? attribute.split("\\.")[0] : null;
        return target instanceof String logicalId
                && ((Map<?, ?>) TEMPLATE.document().get("Resources")).containsKey(logicalId) ? logicalId : null;
    }

    @Test
    void endpointsGoThroughTheTemplatesJavaToolOptions() throws IOException {
        JsonNode env = new ObjectMapper().readTree(ROOT.resolve("events/env.json").toFile());
        String templateOptions = String.valueOf(TEMPLATE.globalsFunction().get("Environment") instanceof Map<?, ?> e
                ? ((Map<?, ?>) e.get("Variables")).get("JAVA_TOOL_OPTIONS") : null);
        String options = env.get("Parameters").get("JAVA_TOOL_OPTIONS").asText();
        assertTrue(options.startsWith(templateOptions), "keeps the template's options: " + templateOptions);
        for (String property : new String[] {"aws.endpointUrlDynamoDb", "aws.endpointUrlSqs", "aws.endpointUrlSecretsManager"}) {
            assertTrue(options.contains("-D" + property + "=http://"), property);
        }
    }
}
