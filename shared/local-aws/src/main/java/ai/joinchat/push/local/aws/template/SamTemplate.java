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

/**
 * A SAM template (template.yaml) as local mode reads it: its serverless functions with their
 * events (Globals.Function applied, parameters at their defaults) and the resources a local stack
 * is provisioned from. Conditions and Rules are deploy-time matters and are not evaluated.
 */
public final class SamTemplate {

    public static final String FUNCTION_TYPE = "AWS::Serverless::Function";

    private static final int SAM_DEFAULT_TIMEOUT_SECONDS = 3;
    private static final int SAM_DEFAULT_MEMORY_SIZE_MB = 128;
    private static final int SAM_DEFAULT_SQS_BATCH_SIZE = 10;
    private static final int SAM_DEFAULT_STREAM_BATCH_SIZE = 100;
    /** AWS::Region while reading function settings, before any stack (and its region) exists. */
    private static final String READING_REGION = "us-east-1";

    private final Map<String, Object> document;

    SamTemplate(Map<String, Object> document) {
        this.document = document;
    }

    public static SamTemplate read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read template " + file, e);
        }
    }

    public static SamTemplate parse(String yaml) {
        return new SamTemplate(CloudFormationYaml.parse(yaml));
    }

    /** The template as parsed (not to be modified): plain maps, lists and scalars, intrinsics in long form ({@code {"Ref": "X"}}). */
    public Map<String, Object> document() {
        return document;
    }

    /** The Globals.Function section, as declared. */
    public Map<String, Object> globalsFunction() {
        return YamlValues.map(YamlValues.map(document.get("Globals"), "Globals").get("Function"), "Globals.Function");
    }

    /** An entry of a section (e.g. a parameter of "Parameters") as declared; null if there is none. */
    Map<String, Object> declared(String section, String name) {
        Object declaration = YamlValues.map(document.get(section), section).get(name);
        return declaration == null ? null : YamlValues.map(declaration, section + "." + name);
    }

    /** The declarations (Type, Properties, ...) of the resources of these types by logical id, in template order. */
    Map<String, Map<String, Object>> resources(String... types) {
        Map<String, Map<String, Object>> resources = new LinkedHashMap<>();
        YamlValues.map(document.get("Resources"), "Resources").keySet().forEach(logicalId -> {
            Map<String, Object> declaration = declared("Resources", logicalId);
            if (List.of(types).contains(declaration.get("Type"))) {
                resources.put(logicalId, declaration);
            }
        });
        return resources;
    }

    /** Every {@value #FUNCTION_TYPE}, with Globals.Function applied. */
    public List<ServerlessFunction> functions() {
        return resources(FUNCTION_TYPE).keySet().stream().map(this::function).toList();
    }

    public ServerlessFunction function(String id) {
        Map<String, Object> declaration = declared("Resources", id);
        if (declaration == null || !FUNCTION_TYPE.equals(declaration.get("Type"))) {
            throw new IllegalArgumentException("The template has no " + FUNCTION_TYPE + " named " + id);
        }
        // Parameters and pseudo parameters (other than the stack name) resolve; resources do not exist yet.
        IntrinsicResolver resolver = new IntrinsicResolver(this, READING_REGION, (logicalId, attribute) -> null);
        Map<String, Object> globals = globalsFunction();
        Map<String, Object> properties = YamlValues.map(declaration.get("Properties"), id + ".Properties");
        Map<String, Object> settings = new LinkedHashMap<>(globals);
        settings.putAll(properties);
        Map<String, Object> environment = new LinkedHashMap<>(environmentVariables(globals, "Globals.Function"));
        environment.putAll(environmentVariables(properties, id));

        List<SqsEventSource> sqsEvents = new ArrayList<>();
        List<HttpApiRoute> httpApiEvents = new ArrayList<>();
        List<DynamoDbStreamEventSource> dynamoDbEvents = new ArrayList<>();
        YamlValues.map(properties.get("Events"), id + ".Events").forEach((eventName, declared) -> {
            String where = id + ".Events." + eventName;
            Map<String, Object> event = YamlValues.map(declared, where);
            Map<String, Object> eventProperties = YamlValues.map(event.get("Properties"), where + ".Properties");
            switch (String.valueOf(event.get("Type"))) {
                case "SQS" -> sqsEvents.add(toSqsEventSource(where, eventProperties, resolver));
                case "HttpApi" -> httpApiEvents.add(new HttpApiRoute(
                        text(eventProperties.get("Path"), "$default", resolver, where),
                        text(eventProperties.get("Method"), "ANY", resolver, where),
                        text(eventProperties.get("PayloadFormatVersion"), "2.0", resolver, where)));
                case "DynamoDB" -> dynamoDbEvents.add(toDynamoDbStreamEventSource(where, eventProperties, resolver));
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
                List.copyOf(httpApiEvents),
                List.copyOf(dynamoDbEvents));
    }

    private static Map<String, Object> environmentVariables(Map<String, Object> properties, String where) {
        return YamlValues.map(YamlValues.map(properties.get("Environment"), where + ".Environment").get("Variables"),
                where + ".Environment.Variables");
    }

    private static SqsEventSource toSqsEventSource(String where, Map<String, Object> properties, IntrinsicResolver resolver) {
        return new SqsEventSource(
                getAttResource(properties.get("Queue"), "Arn", where + ".Queue"),
                integer(properties.get("BatchSize"), SAM_DEFAULT_SQS_BATCH_SIZE, resolver, where),
                reportsBatchItemFailures(properties, resolver, where));
    }

    private static DynamoDbStreamEventSource toDynamoDbStreamEventSource(String where, Map<String, Object> properties,
                                                                         IntrinsicResolver resolver) {
        String startingPosition = text(properties.get("StartingPosition"), null, resolver, where + ".StartingPosition");
        if (!"TRIM_HORIZON".equals(startingPosition) && !"LATEST".equals(startingPosition)) {
            throw new IllegalArgumentException(where + ".StartingPosition must be TRIM_HORIZON or LATEST, got: "
                    + startingPosition);
        }
        List<String> patterns = YamlValues.list(YamlValues.map(properties.get("FilterCriteria"), where + ".FilterCriteria")
                .get("Filters"), where + ".FilterCriteria.Filters").stream()
                .map(filter -> text(YamlValues.map(filter, where + ".FilterCriteria.Filters").get("Pattern"), null,
                        resolver, where + ".FilterCriteria.Filters.Pattern"))
                .toList();
        Object destination = YamlValues.map(YamlValues.map(properties.get("DestinationConfig"), where + ".DestinationConfig")
                .get("OnFailure"), where + ".DestinationConfig.OnFailure").get("Destination");
        return new DynamoDbStreamEventSource(
                getAttResource(properties.get("Stream"), "StreamArn", where + ".Stream"),
                startingPosition,
                integer(properties.get("BatchSize"), SAM_DEFAULT_STREAM_BATCH_SIZE, resolver, where + ".BatchSize"),
                integer(properties.get("MaximumBatchingWindowInSeconds"), 0, resolver, where),
                patterns,
                reportsBatchItemFailures(properties, resolver, where),
                integer(properties.get("MaximumRetryAttempts"), -1, resolver, where + ".MaximumRetryAttempts"),
                Boolean.parseBoolean(text(properties.get("BisectBatchOnFunctionError"), "false", resolver, where)),
                destination == null ? Optional.empty()
                        : Optional.of(getAttResource(destination, "Arn", where + ".DestinationConfig.OnFailure.Destination")));
    }

    /** The logical id of {@code !GetAtt <Resource>.<attribute>}; anything else is refused. */
    private static String getAttResource(Object value, String attribute, String where) {
        Object argument = value instanceof Map<?, ?> map && map.size() == 1 ? map.get("Fn::GetAtt") : null;
        List<?> parts = argument instanceof String dotted ? CloudFormationYaml.splitAttributeReference(dotted)
                : YamlValues.list(argument, where);
        if (parts.size() != 2 || !attribute.equals(parts.get(1))) {
            throw new IllegalArgumentException(where + " must be !GetAtt <Resource>." + attribute
                    + " of a resource in this template, got: " + value);
        }
        return String.valueOf(parts.get(0));
    }

    private static boolean reportsBatchItemFailures(Map<String, Object> properties, IntrinsicResolver resolver, String where) {
        return YamlValues.list(resolver.resolve(properties.get("FunctionResponseTypes"), where), where)
                .contains("ReportBatchItemFailures");
    }

    private static String text(Object value, String absent, IntrinsicResolver resolver, String where) {
        return value == null ? absent : resolver.resolveToString(value, where);
    }

    private static int integer(Object value, int absent, IntrinsicResolver resolver, String where) {
        return value == null ? absent : Integer.parseInt(resolver.resolveToString(value, where));
    }
}
