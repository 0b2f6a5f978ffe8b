package ai.joinchat.push.local.aws.template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A SAM template (template.yaml) as read by the local backends: its parameters (defaults, and
 * overrides as {@code sam deploy --parameter-overrides} would give), Globals.Function, resources
 * and conditions, and its serverless functions with their events. Rules are deploy-time checks
 * and are not read.
 */
public final class SamTemplate {

    public static final String FUNCTION_TYPE = "AWS::Serverless::Function";

    private static final int SAM_DEFAULT_TIMEOUT_SECONDS = 3;
    private static final int SAM_DEFAULT_MEMORY_SIZE_MB = 128;
    private static final int SAM_DEFAULT_SQS_BATCH_SIZE = 10;
    /** AWS::Region while reading function settings, before any stack (and its region) exists. */
    private static final String READING_REGION = "us-east-1";

    private final Map<String, Object> document;
    private final Map<String, String> parameterOverrides;

    private SamTemplate(Map<String, Object> document, Map<String, String> parameterOverrides) {
        this.document = document;
        this.parameterOverrides = parameterOverrides;
    }

    public static SamTemplate read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read template " + file, e);
        }
    }

    public static SamTemplate parse(String yaml) {
        return new SamTemplate(CloudFormationYaml.parse(yaml), Map.of());
    }

    /** The same template with these parameter values in place of the defaults. */
    public SamTemplate withParameterOverrides(Map<String, String> overrides) {
        for (String name : overrides.keySet()) {
            if (!parameters().containsKey(name)) {
                throw new IllegalArgumentException("The template declares no parameter named " + name);
            }
        }
        Map<String, String> merged = new LinkedHashMap<>(parameterOverrides);
        merged.putAll(overrides);
        return new SamTemplate(document, Collections.unmodifiableMap(merged));
    }

    /** The declared parameters by name, in template order. */
    public Map<String, TemplateParameter> parameters() {
        Map<String, TemplateParameter> parameters = new LinkedHashMap<>();
        YamlValues.map(document.get("Parameters"), "Parameters").forEach((name, declaration) -> {
            Map<String, Object> fields = YamlValues.map(declaration, "Parameter " + name);
            parameters.put(name, new TemplateParameter(name, String.valueOf(fields.getOrDefault("Type", "String")),
                    Optional.ofNullable(fields.get("Default")).map(IntrinsicResolver::scalarText)));
        });
        return parameters;
    }

    /** A parameter's declaration as written (Type, Default, MinValue, MaxValue, ...); empty if undeclared. */
    public Map<String, Object> parameterDeclaration(String name) {
        Object declaration = YamlValues.map(document.get("Parameters"), "Parameters").get(name);
        return declaration == null ? Map.of() : YamlValues.map(declaration, "Parameter " + name);
    }

    /** The parameter's override if one was given, else its default. */
    public Optional<String> parameterValue(String name) {
        String override = parameterOverrides.get(name);
        if (override != null) {
            return Optional.of(override);
        }
        TemplateParameter parameter = parameters().get(name);
        return parameter == null ? Optional.empty() : parameter.defaultValue();
    }

    /** The Globals.Function section, as declared. */
    public Map<String, Object> globalsFunction() {
        return YamlValues.map(YamlValues.map(document.get("Globals"), "Globals").get("Function"), "Globals.Function");
    }

    public Map<String, Object> conditions() {
        return YamlValues.map(document.get("Conditions"), "Conditions");
    }

    /** Every resource by logical id, in template order. */
    public Map<String, TemplateResource> resources() {
        Map<String, TemplateResource> resources = new LinkedHashMap<>();
        YamlValues.map(document.get("Resources"), "Resources").forEach((logicalId, declaration) -> {
            Map<String, Object> fields = YamlValues.map(declaration, "Resource " + logicalId);
            resources.put(logicalId, new TemplateResource(
                    logicalId,
                    String.valueOf(fields.get("Type")),
                    YamlValues.map(fields.get("Properties"), logicalId + ".Properties"),
                    Optional.ofNullable((String) fields.get("Condition")),
                    YamlValues.map(fields.get("Metadata"), logicalId + ".Metadata")));
        });
        return resources;
    }

    /** The resources of one type (e.g. "AWS::SQS::Queue") by logical id. */
    public Map<String, TemplateResource> resourcesOfType(String type) {
        Map<String, TemplateResource> matching = new LinkedHashMap<>(resources());
        matching.values().removeIf(resource -> !resource.type().equals(type));
        return matching;
    }

    /** Every {@value #FUNCTION_TYPE}, with Globals.Function applied. */
    public List<ServerlessFunction> functions() {
        IntrinsicResolver resolver = templateOnlyResolver();
        return resourcesOfType(FUNCTION_TYPE).values().stream().map(resource -> toFunction(resource, resolver)).toList();
    }

    public ServerlessFunction function(String logicalId) {
        TemplateResource resource = resourcesOfType(FUNCTION_TYPE).get(logicalId);
        if (resource == null) {
            throw new IllegalArgumentException("The template has no " + FUNCTION_TYPE + " named " + logicalId);
        }
        return toFunction(resource, templateOnlyResolver());
    }

    /** A resolver for this template's values, once its resources exist somewhere. */
    public IntrinsicResolver resolver(PseudoParameters pseudoParameters, ResourceReferences resources) {
        return new IntrinsicResolver(this, pseudoParameters, resources);
    }

    /** Resolves parameters and pseudo parameters (other than the stack name), not resources. */
    private IntrinsicResolver templateOnlyResolver() {
        return resolver(PseudoParameters.withoutStack(READING_REGION), ResourceReferences.NONE);
    }

    private ServerlessFunction toFunction(TemplateResource resource, IntrinsicResolver resolver) {
        String id = resource.logicalId();
        Map<String, Object> globals = globalsFunction();
        Map<String, Object> properties = resource.properties();
        Map<String, Object> settings = new LinkedHashMap<>(globals);
        settings.putAll(properties);
        Map<String, Object> environment = new LinkedHashMap<>(environmentVariables(globals, "Globals.Function"));
        environment.putAll(environmentVariables(properties, id));

        List<SqsEventSource> sqsEvents = new ArrayList<>();
        List<HttpApiRoute> httpApiEvents = new ArrayList<>();
        YamlValues.map(properties.get("Events"), id + ".Events").forEach((eventName, declaration) -> {
            String where = id + ".Events." + eventName;
            Map<String, Object> event = YamlValues.map(declaration, where);
            Map<String, Object> eventProperties = YamlValues.map(event.get("Properties"), where + ".Properties");
            switch (String.valueOf(event.get("Type"))) {
                case "SQS" -> sqsEvents.add(toSqsEventSource(where, eventProperties, resolver));
                case "HttpApi" -> httpApiEvents.add(new HttpApiRoute(
                        text(eventProperties.get("Path"), "$default", resolver, where),
                        text(eventProperties.get("Method"), "ANY", resolver, where),
                        text(eventProperties.get("PayloadFormatVersion"), "2.0", resolver, where)));
                default -> { }
            }
        });

        return new ServerlessFunction(
                id,
                text(settings.get("CodeUri"), null, resolver, id + ".CodeUri"),
                text(settings.get("Handler"), null, resolver, id + ".Handler"),
                integer(settings.get("Timeout"), SAM_DEFAULT_TIMEOUT_SECONDS, resolver, id + ".Timeout"),
                integer(settings.get("MemorySize"), SAM_DEFAULT_MEMORY_SIZE_MB, resolver, id + ".MemorySize"),
                Collections.unmodifiableMap(environment),
                List.copyOf(sqsEvents),
                List.copyOf(httpApiEvents));
    }

    private static Map<String, Object> environmentVariables(Map<String, Object> properties, String where) {
        return YamlValues.map(YamlValues.map(properties.get("Environment"), where + ".Environment").get("Variables"),
                where + ".Environment.Variables");
    }

    private static SqsEventSource toSqsEventSource(String where, Map<String, Object> properties, IntrinsicResolver resolver) {
        Object queue = properties.get("Queue");
        Object argument = queue instanceof Map<?, ?> map && map.size() == 1 ? map.get("Fn::GetAtt") : null;
        List<?> parts = argument instanceof String dotted ? CloudFormationYaml.splitAttributeReference(dotted)
                : YamlValues.list(argument, where + ".Queue");
        if (parts.size() != 2 || !"Arn".equals(parts.get(1))) {
            throw new IllegalArgumentException(where
                    + ": Queue must be !GetAtt <QueueResource>.Arn of a queue in this template, got: " + queue);
        }
        List<String> responseTypes = new ArrayList<>();
        YamlValues.list(resolver.resolve(properties.get("FunctionResponseTypes"), where), "FunctionResponseTypes")
                .forEach(value -> responseTypes.add(IntrinsicResolver.scalarText(value)));
        Object maximumConcurrency = YamlValues.map(properties.get("ScalingConfig"), "ScalingConfig").get("MaximumConcurrency");
        return new SqsEventSource(
                String.valueOf(parts.get(0)),
                integer(properties.get("BatchSize"), SAM_DEFAULT_SQS_BATCH_SIZE, resolver, where),
                List.copyOf(responseTypes),
                maximumConcurrency == null
                        ? OptionalInt.empty()
                        : OptionalInt.of(integer(maximumConcurrency, 0, resolver, where)));
    }

    private static String text(Object value, String absent, IntrinsicResolver resolver, String where) {
        return value == null ? absent : resolver.resolveToString(value, where);
    }

    private static int integer(Object value, int absent, IntrinsicResolver resolver, String where) {
        return value == null ? absent : Integer.parseInt(resolver.resolveToString(value, where));
    }
}
