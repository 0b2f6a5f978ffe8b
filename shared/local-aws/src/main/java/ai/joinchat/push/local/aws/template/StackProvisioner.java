package ai.joinchat.push.local.aws.template;

import ai.joinchat.push.json.Json;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Creates a template's DynamoDB tables and SQS queues, the way CloudFormation would for a stack:
 * physical names {@code <stackName>-<LogicalId>} (unless the template names them), a resource
 * another refers to created first, references resolved. Existing tables and queues are reused, so
 * provisioning twice is harmless. Other resource types (APIs, functions, alarms, ...) are left
 * alone. It reads the properties template.yaml uses (on-demand tables with global secondary indexes
 * and TTL; standard queues with a redrive policy) and ignores those with no local meaning
 * (point-in-time recovery, encryption, tags); any other property fails, naming it.
 */
public final class StackProvisioner {

    private static final String TABLE_TYPE = "AWS::DynamoDB::Table";
    private static final String QUEUE_TYPE = "AWS::SQS::Queue";

    private static final Set<String> TABLE_PROPERTIES = Set.of("TableName", "BillingMode", "AttributeDefinitions",
            "KeySchema", "GlobalSecondaryIndexes", "TimeToLiveSpecification",
            "PointInTimeRecoverySpecification", "SSESpecification", "Tags", "StreamSpecification");
    /** CloudFormation queue properties that are SQS attributes of the same name. */
    private static final List<String> QUEUE_ATTRIBUTES = List.of(
            "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "RedrivePolicy");
    private static final Set<String> QUEUE_PROPERTIES_IGNORED = Set.of("QueueName", "SqsManagedSseEnabled", "Tags");

    public ProvisionedStack provision(SamTemplate template, String stackName, DynamoDbClient dynamoDb, SqsClient sqs) {
        ProvisionedStack stack = new ProvisionedStack(template, stackName, dynamoDb.serviceClientConfiguration().region().id());
        Map<String, Map<String, Object>> wanted = template.resources(TABLE_TYPE, QUEUE_TYPE);
        wanted.forEach((logicalId, resource) -> {
            if (resource.containsKey("Condition")) {
                throw new IllegalArgumentException(logicalId
                        + " has a Condition: local stacks do not evaluate Conditions, and provision every table and queue");
            }
        });
        Provisioning provisioning = new Provisioning(stack, wanted, dynamoDb, sqs);
        wanted.keySet().forEach(provisioning::provide);
        return stack;
    }

    /**
     * One stack being provisioned. A reference to a wanted resource not created yet creates it
     * first, so e.g. a dead-letter queue exists before the queue whose RedrivePolicy names it.
     */
    private final class Provisioning {
        private final ProvisionedStack stack;
        private final Map<String, Map<String, Object>> wanted;
        private final Set<String> started = new HashSet<>();
        private final IntrinsicResolver resolver;
        private final DynamoDbClient dynamoDb;
        private final SqsClient sqs;

        Provisioning(ProvisionedStack stack, Map<String, Map<String, Object>> wanted, DynamoDbClient dynamoDb, SqsClient sqs) {
            this.stack = stack;
            this.wanted = wanted;
            this.resolver = new IntrinsicResolver(stack.template(), stack.region(), (logicalId, attribute) -> {
                provide(logicalId);
                return stack.attribute(logicalId, attribute);
            });
            this.dynamoDb = dynamoDb;
            this.sqs = sqs;
        }

        void provide(String logicalId) {
            Map<String, Object> resource = wanted.get(logicalId);
            if (resource == null || stack.tables.containsKey(logicalId) || stack.queues.containsKey(logicalId)) {
                return;
            }
            if (!started.add(logicalId)) {
                throw new IllegalArgumentException("Circular references between resources, through " + logicalId);
            }
            String where = logicalId + ".Properties";
            Map<String, Object> properties = YamlValues.map(resolver.resolve(resource.get("Properties"), where), where);
            String defaultName = stack.stackName() + "-" + logicalId;
            if (resource.get("Type").equals(TABLE_TYPE)) {
                stack.tables.put(logicalId, provisionTable(logicalId, defaultName, properties, dynamoDb));
            } else {
                stack.queues.put(logicalId, provisionQueue(logicalId, defaultName, properties, sqs));
            }
        }
    }

    private ProvisionedTable provisionTable(String logicalId, String defaultName, Map<String, Object> properties,
                                            DynamoDbClient dynamoDb) {
        properties.keySet().stream().filter(property -> !TABLE_PROPERTIES.contains(property)).findFirst()
                .ifPresent(property -> unsupported(logicalId, property));
        if (!"PAY_PER_REQUEST".equals(properties.get("BillingMode"))) {
            unsupported(logicalId, "BillingMode other than PAY_PER_REQUEST");
        }
        String name = properties.containsKey("TableName") ? text(properties.get("TableName")) : defaultName;
        List<GlobalSecondaryIndex> indexes = list(properties, "GlobalSecondaryIndexes").stream()
                .map(index -> GlobalSecondaryIndex.builder()
                        .indexName(text(index.get("IndexName")))
                        .keySchema(keySchema(index))
                        .projection(p -> p.projectionType(text(YamlValues.map(index.get("Projection"), "Projection")
                                .getOrDefault("ProjectionType", "ALL"))))
                        .build())
                .toList();
        CreateTableRequest.Builder request = CreateTableRequest.builder().tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(list(properties, "AttributeDefinitions").stream()
                        .map(definition -> AttributeDefinition.builder()
                                .attributeName(text(definition.get("AttributeName")))
                                .attributeType(text(definition.get("AttributeType")))
                                .build())
                        .toList())
                .keySchema(keySchema(properties));
        if (!indexes.isEmpty()) {
            request.globalSecondaryIndexes(indexes);
        }
        if (properties.get("StreamSpecification") instanceof Map<?, ?> stream) {
            request.streamSpecification(s -> s.streamEnabled(true).streamViewType(text(stream.get("StreamViewType"))));
        }
        try {
            dynamoDb.createTable(request.build());
        } catch (ResourceInUseException exists) {
            // provisioned before (or meanwhile): reuse it
        }
        TableDescription table;
        try (DynamoDbWaiter waiter = dynamoDb.waiter()) {
            table = waiter.waitUntilTableExists(b -> b.tableName(name)).matched().response().orElseThrow().table();
        }
        Map<String, Object> timeToLive = YamlValues.map(properties.get("TimeToLiveSpecification"), "TimeToLiveSpecification");
        if (Boolean.parseBoolean(String.valueOf(timeToLive.get("Enabled"))) && timeToLive.get("AttributeName") != null) {
            try {
                dynamoDb.updateTimeToLive(b -> b.tableName(name).timeToLiveSpecification(t -> t
                        .attributeName(text(timeToLive.get("AttributeName"))).enabled(true)));
            } catch (DynamoDbException ignored) {
                // DynamoDB Local may not support TTL, and an existing table may have it already
            }
        }
        return new ProvisionedTable(logicalId, name, table.tableArn());
    }

    private static List<KeySchemaElement> keySchema(Map<String, Object> owner) {
        return list(owner, "KeySchema").stream()
                .map(key -> KeySchemaElement.builder()
                        .attributeName(text(key.get("AttributeName")))
                        .keyType(text(key.get("KeyType")))
                        .build())
                .toList();
    }

    private ProvisionedQueue provisionQueue(String logicalId, String defaultName, Map<String, Object> properties,
                                            SqsClient sqs) {
        Map<QueueAttributeName, String> attributes = new LinkedHashMap<>();
        properties.forEach((property, value) -> {
            if (QUEUE_ATTRIBUTES.contains(property)) {
                attributes.put(QueueAttributeName.fromValue(property),
                        value instanceof Map<?, ?> policy ? toJson(policy) : text(value));
            } else if (!QUEUE_PROPERTIES_IGNORED.contains(property)) {
                unsupported(logicalId, property);
            }
        });
        String name = properties.containsKey("QueueName") ? text(properties.get("QueueName")) : defaultName;
        String url = existingOrNewQueue(sqs, name, attributes);
        String arn = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        return new ProvisionedQueue(logicalId, name, url, arn);
    }

    private static String existingOrNewQueue(SqsClient sqs, String name, Map<QueueAttributeName, String> attributes) {
        try {
            String url = sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
            if (!attributes.isEmpty()) {
                sqs.setQueueAttributes(b -> b.queueUrl(url).attributes(attributes));
            }
            return url;
        } catch (QueueDoesNotExistException absent) {
            return sqs.createQueue(b -> b.queueName(name).attributes(attributes)).queueUrl();
        }
    }

    /** As JSON text, with whole numbers given as text (e.g. a resolved maxReceiveCount "5") written as numbers. */
    private String toJson(Map<?, ?> value) {
        Map<Object, Object> normalized = new LinkedHashMap<>();
        value.forEach((key, item) -> normalized.put(key,
                item instanceof String text && text.matches("\\d{1,9}") ? Integer.valueOf(text) : item));
        return Json.write(Json.MAPPER.valueToTree(normalized));
    }

    private static void unsupported(String logicalId, String property) {
        throw new IllegalArgumentException(logicalId + ".Properties." + property
                + " is not supported by the local stack provisioner");
    }

    private static List<Map<String, Object>> list(Map<String, Object> owner, String property) {
        return YamlValues.list(owner.get(property), property).stream().map(item -> YamlValues.map(item, property)).toList();
    }

    private static String text(Object value) {
        return IntrinsicResolver.scalarText(value);
    }
}
