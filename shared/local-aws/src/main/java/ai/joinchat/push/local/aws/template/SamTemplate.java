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
 * overrides as {@code sam deploy --parameter-overrides} would give), Globals.Function, resources,
 * conditions and mappings, and its serverless functions with their events.
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
            Object defaultValue = fields.get("Default");
            parameters.put(name, new TemplateParameter(
                    name,
                    String.valueOf(fields.getOrDefault("Type", "String")),
                    Optional.ofNullable(defaultValue).map(IntrinsicResolver::scalarText),
                    (String) fields.get("Description")));
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

    /** Every parameter that has a value (override or default). */
    public Map<String, String> parameterValues() {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : parameters().keySet()) {
            parameterValue(name).ifPresent(value -> values.put(name, value));
        }
        return values;
    }

    /** The Globals.Function section, as declared. */
    public Map<String, Object> globalsFunction() {
        return YamlValues.map(YamlValues.map(document.get("Globals"), "Globals").get("Function"), "Globals.Function");
    }

    public Map<String, Object> conditions() {
        return YamlValues.map(document.get("Conditions"), "Conditions");
    }

    public Map<String, Object> mappings() {
        return YamlValues.map(document.get("Mappings"), "Mappings");
    }

    public Map<String, Object> outputs() {
        return YamlValues.map(document.get("Outputs"), "Outputs");
    }

    /** Every resource by logical id, in template order. */
    public Map<String, TemplateResource> resources() {
        Map<String, TemplateResource> resources = new LinkedHashMap<>();
        YamlValues.map(document.get("Resources"), "Resources").forEach((logicalId, declaration) -> {
            Map<String, Object> fields = YamlValues.map(declaration, "Resource " + logicalId);
            Object dependsOn = fields.get("DependsOn");
            List<String> dependencies = new ArrayList<>();
            if (dependsOn instanceof String single) {
                dependencies.add(single);
            } else {
                YamlValues.list(dependsOn, logicalId + ".DependsOn").forEach(id -> dependencies.add(String.valueOf(id)));
            }
            resources.put(logicalId, new TemplateResource(
                    logicalId,
                    String.valueOf(fields.get("Type")),
                    YamlValues.map(fields.get("Properties"), logicalId + ".Properties"),
                    List.copyOf(dependencies),
                    Optional.ofNullable((String) fields.get("Condition")),
                    YamlValues.map(fields.get("Metadata"), logicalId + ".Metadata")));
        });
        return resources;
    }

    /** The resources of one type (e.g. "AWS::SQS::Queue") by logical id. */
    public Map<String, TemplateResource> resourcesOfType(String type) {
        Map<String, TemplateResource> matching = new LinkedHashMap<>();
        resources().forEach((logicalId, resource) -> {
            if (resource.type().equals(type)) {
                matching.put(logicalId, resource);
            }
        });
        return matching;
    }

    /** Every {@value #FUNCTION_TYPE}, with Globals.Function applied. */
    public List<ServerlessFunction> functions() {
        IntrinsicResolver resolver = templateOnlyResolver();
        List<ServerlessFunction> functions = new ArrayList<>();
        for (TemplateResource resource : resourcesOfType(FUNCTION_TYPE).values()) {
            functions.add(toFunction(resource, resolver));
        }
        return functions;
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
        Map<String, Object> globals = globalsFunction();
        Map<String, Object> properties = resource.properties();
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.putAll(environmentVariables(globals, "Globals.Function"));
        environment.putAll(environmentVariables(properties, resource.logicalId()));

        List<SqsEventSource> sqsEvents = new ArrayList<>();
        List<HttpApiRoute> httpApiEvents = new ArrayList<>();
        YamlValues.map(properties.get("Events"), resource.logicalId() + ".Events").forEach((eventName, declaration) -> {
            Map<String, Object> event = YamlValues.map(declaration, "Event " + eventName);
            Map<String, Object> eventProperties = YamlValues.map(event.get("Properties"), "Event " + eventName + ".Properties");
            String type = String.valueOf(event.get("Type"));
            if (type.equals("SQS")) {
                sqsEvents.add(toSqsEventSource(eventName, eventProperties, resolver));
            } else if (type.equals("HttpApi")) {
                httpApiEvents.add(toHttpApiRoute(eventName, eventProperties, resolver));
            }
        });

        return new ServerlessFunction(
                resource.logicalId(),
                textOrNull(properties, globals, "CodeUri", resolver),
                textOrNull(properties, globals, "Handler", resolver),
                integer(properties, globals, "Timeout", SAM_DEFAULT_TIMEOUT_SECONDS, resolver),
                integer(properties, globals, "MemorySize", SAM_DEFAULT_MEMORY_SIZE_MB, resolver),
                Collections.unmodifiableMap(environment),
                List.copyOf(sqsEvents),
                List.copyOf(httpApiEvents));
    }

    private static Map<String, Object> environmentVariables(Map<String, Object> properties, String where) {
        return YamlValues.map(YamlValues.map(properties.get("Environment"), where + ".Environment").get("Variables"),
                where + ".Environment.Variables");
    }

    private static SqsEventSource toSqsEventSource(String eventName, Map<String, Object> properties,
                                                   IntrinsicResolver resolver) {
        Object queue = properties.get("Queue");
        String queueLogicalId = queueLogicalIdOf(queue);
        if (queueLogicalId == null) {
            throw new IllegalArgumentException("SQS event " + eventName
                    + ": Queue must be !GetAtt <QueueResource>.Arn of a queue in this template, got: " + queue);
        }
        List<String> responseTypes = new ArrayList<>();
        YamlValues.list(resolver.resolve(properties.get("FunctionResponseTypes")), "FunctionResponseTypes")
                .forEach(value -> responseTypes.add(IntrinsicResolver.scalarText(value)));
        Object maximumConcurrency = YamlValues.map(properties.get("ScalingConfig"), "ScalingConfig").get("MaximumConcurrency");
        return new SqsEventSource(
                eventName,
                queueLogicalId,
                integerOr(properties.get("BatchSize"), SAM_DEFAULT_SQS_BATCH_SIZE, resolver),
                integerOr(properties.get("MaximumBatchingWindowInSeconds"), 0, resolver),
                List.copyOf(responseTypes),
                maximumConcurrency == null
                        ? OptionalInt.empty()
                        : OptionalInt.of(Integer.parseInt(resolver.resolveToString(maximumConcurrency))));
    }

    private static String queueLogicalIdOf(Object queue) {
        if (queue instanceof Map<?, ?> map && map.size() == 1 && map.containsKey("Fn::GetAtt")) {
            Object argument = map.get("Fn::GetAtt");
            List<?> parts = argument instanceof String dotted ? CloudFormationYaml.splitAttributeReference(dotted)
                    : YamlValues.list(argument, "Fn::GetAtt");
            if (parts.size() == 2 && "Arn".equals(parts.get(1))) {
                return String.valueOf(parts.get(0));
            }
        }
        return null;
    }

    private static HttpApiRoute toHttpApiRoute(String eventName, Map<String, Object> properties,
                                               IntrinsicResolver resolver) {
        Object apiId = properties.get("ApiId");
        Optional<String> apiLogicalId = apiId instanceof Map<?, ?> map && map.get("Ref") instanceof String id
                ? Optional.of(id) : Optional.empty();
        Object payloadFormatVersion = properties.get("PayloadFormatVersion");
        return new HttpApiRoute(
                eventName,
                properties.containsKey("Path") ? resolver.resolveToString(properties.get("Path")) : "$default",
                properties.containsKey("Method") ? resolver.resolveToString(properties.get("Method")) : "ANY",
                apiLogicalId,
                payloadFormatVersion == null ? "2.0" : resolver.resolveToString(payloadFormatVersion));
    }

    private static String textOrNull(Map<String, Object> properties, Map<String, Object> globals, String name,
                                     IntrinsicResolver resolver) {
        Object value = properties.containsKey(name) ? properties.get(name) : globals.get(name);
        return value == null ? null : resolver.resolveToString(value);
    }

    private static int integer(Map<String, Object> properties, Map<String, Object> globals, String name,
                               int defaultValue, IntrinsicResolver resolver) {
        Object value = properties.containsKey(name) ? properties.get(name) : globals.get(name);
        return integerOr(value, defaultValue, resolver);
    }

    private static int integerOr(Object value, int defaultValue, IntrinsicResolver resolver) {
        return value == null ? defaultValue : Integer.parseInt(resolver.resolveToString(value));
    }
}
