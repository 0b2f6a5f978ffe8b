package ai.joinchat.push.local.aws.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Creates a template's DynamoDB tables and SQS queues, the way CloudFormation would for a stack:
 * physical names {@code <stackName>-<LogicalId>} (unless the template names them), resources in
 * dependency order, references resolved. Existing tables and queues are reused, so provisioning
 * twice is harmless. Other resource types (APIs, functions, alarms, ...) are left alone; settings
 * with no local meaning (point-in-time recovery, encryption) are ignored.
 */
public final class StackProvisioner {

    public static final String TABLE_TYPE = "AWS::DynamoDB::Table";
    public static final String QUEUE_TYPE = "AWS::SQS::Queue";

    /** CloudFormation queue properties that are SQS attributes of the same name. */
    private static final List<String> QUEUE_ATTRIBUTES = List.of(
            "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
            "MaximumMessageSize", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit");
    /** CloudFormation queue properties given as objects that SQS takes as JSON text. */
    private static final List<String> QUEUE_JSON_ATTRIBUTES = List.of("RedrivePolicy", "RedriveAllowPolicy");
    private static final Duration TABLE_ACTIVE_TIMEOUT = Duration.ofSeconds(60);

    private final ObjectMapper json = new ObjectMapper();

    public ProvisionedStack provision(SamTemplate template, String stackName, DynamoDbClient dynamoDb, SqsClient sqs) {
        String region = dynamoDb.serviceClientConfiguration().region().id();
        PseudoParameters pseudoParameters = PseudoParameters.of(stackName, region);
        Map<String, ProvisionedTable> tables = new LinkedHashMap<>();
        Map<String, ProvisionedQueue> queues = new LinkedHashMap<>();
        IntrinsicResolver resolver = template.resolver(pseudoParameters, ProvisionedStack.references(tables, queues));

        List<TemplateResource> provisionable = new ArrayList<>();
        for (TemplateResource resource : template.resources().values()) {
            boolean supported = resource.type().equals(TABLE_TYPE) || resource.type().equals(QUEUE_TYPE);
            boolean wanted = resource.condition().map(resolver::isConditionTrue).orElse(true);
            if (supported && wanted) {
                provisionable.add(resource);
            }
        }
        for (TemplateResource resource : ResourceOrder.dependenciesFirst(provisionable)) {
            Map<String, Object> properties = resolver.resolveMap(resource.properties());
            String defaultName = stackName + "-" + resource.logicalId();
            if (resource.type().equals(TABLE_TYPE)) {
                tables.put(resource.logicalId(), provisionTable(resource.logicalId(), defaultName, properties, dynamoDb));
            } else {
                queues.put(resource.logicalId(), provisionQueue(resource.logicalId(), defaultName, properties, sqs));
            }
        }
        return new ProvisionedStack(template, pseudoParameters, tables, queues);
    }

    private ProvisionedTable provisionTable(String logicalId, String defaultName, Map<String, Object> properties,
                                            DynamoDbClient dynamoDb) {
        String name = properties.containsKey("TableName") ? text(properties.get("TableName")) : defaultName;
        if (describe(dynamoDb, name).isEmpty()) {
            try {
                dynamoDb.createTable(createTableRequest(name, properties));
            } catch (ResourceInUseException alreadyCreated) {
                // created meanwhile by someone else: reuse it
            }
        }
        TableDescription table = waitUntilActive(dynamoDb, name);
        Map<String, Object> timeToLive = YamlValues.map(properties.get("TimeToLiveSpecification"), "TimeToLiveSpecification");
        if (Boolean.parseBoolean(String.valueOf(timeToLive.get("Enabled"))) && timeToLive.get("AttributeName") != null) {
            try {
                dynamoDb.updateTimeToLive(b -> b.tableName(name).timeToLiveSpecification(t -> t
                        .attributeName(text(timeToLive.get("AttributeName"))).enabled(true)));
            } catch (DynamoDbException ignored) {
                // DynamoDB Local may not support TTL, and an existing table may have it already
            }
        }
        return new ProvisionedTable(logicalId, name, table.tableArn(), Optional.ofNullable(table.latestStreamArn()));
    }

    private CreateTableRequest createTableRequest(String name, Map<String, Object> properties) {
        boolean provisioned = properties.containsKey("BillingMode")
                ? text(properties.get("BillingMode")).equals("PROVISIONED")
                : properties.containsKey("ProvisionedThroughput");
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(name)
                .billingMode(provisioned ? BillingMode.PROVISIONED : BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(list(properties, "AttributeDefinitions").stream()
                        .map(definition -> AttributeDefinition.builder()
                                .attributeName(text(definition.get("AttributeName")))
                                .attributeType(text(definition.get("AttributeType")))
                                .build())
                        .toList())
                .keySchema(keySchema(properties));
        if (provisioned) {
            request.provisionedThroughput(throughput(properties));
        }
        List<GlobalSecondaryIndex> globalIndexes = list(properties, "GlobalSecondaryIndexes").stream()
                .map(index -> {
                    GlobalSecondaryIndex.Builder builder = GlobalSecondaryIndex.builder()
                            .indexName(text(index.get("IndexName")))
                            .keySchema(keySchema(index))
                            .projection(projection(index));
                    if (provisioned) {
                        builder.provisionedThroughput(throughput(index));
                    }
                    return builder.build();
                })
                .toList();
        if (!globalIndexes.isEmpty()) {
            request.globalSecondaryIndexes(globalIndexes);
        }
        List<LocalSecondaryIndex> localIndexes = list(properties, "LocalSecondaryIndexes").stream()
                .map(index -> LocalSecondaryIndex.builder()
                        .indexName(text(index.get("IndexName")))
                        .keySchema(keySchema(index))
                        .projection(projection(index))
                        .build())
                .toList();
        if (!localIndexes.isEmpty()) {
            request.localSecondaryIndexes(localIndexes);
        }
        Map<String, Object> stream = YamlValues.map(properties.get("StreamSpecification"), "StreamSpecification");
        if (stream.get("StreamViewType") != null) {
            request.streamSpecification(s -> s.streamEnabled(true).streamViewType(text(stream.get("StreamViewType"))));
        }
        return request.build();
    }

    private static List<KeySchemaElement> keySchema(Map<String, Object> owner) {
        return list(owner, "KeySchema").stream()
                .map(key -> KeySchemaElement.builder()
                        .attributeName(text(key.get("AttributeName")))
                        .keyType(text(key.get("KeyType")))
                        .build())
                .toList();
    }

    private static Projection projection(Map<String, Object> index) {
        Map<String, Object> projection = YamlValues.map(index.get("Projection"), "Projection");
        Projection.Builder builder = Projection.builder()
                .projectionType(projection.containsKey("ProjectionType") ? text(projection.get("ProjectionType")) : "ALL");
        List<Object> nonKeyAttributes = YamlValues.list(projection.get("NonKeyAttributes"), "NonKeyAttributes");
        if (!nonKeyAttributes.isEmpty()) {
            builder.nonKeyAttributes(nonKeyAttributes.stream().map(StackProvisioner::text).toList());
        }
        return builder.build();
    }

    private static ProvisionedThroughput throughput(Map<String, Object> owner) {
        Map<String, Object> throughput = YamlValues.map(owner.get("ProvisionedThroughput"), "ProvisionedThroughput");
        return ProvisionedThroughput.builder()
                .readCapacityUnits(Long.parseLong(text(throughput.getOrDefault("ReadCapacityUnits", 5))))
                .writeCapacityUnits(Long.parseLong(text(throughput.getOrDefault("WriteCapacityUnits", 5))))
                .build();
    }

    private static Optional<TableDescription> describe(DynamoDbClient dynamoDb, String name) {
        try {
            return Optional.of(dynamoDb.describeTable(b -> b.tableName(name)).table());
        } catch (ResourceNotFoundException absent) {
            return Optional.empty();
        }
    }

    private static TableDescription waitUntilActive(DynamoDbClient dynamoDb, String name) {
        long deadline = System.nanoTime() + TABLE_ACTIVE_TIMEOUT.toNanos();
        while (true) {
            TableDescription table = describe(dynamoDb, name)
                    .orElseThrow(() -> new IllegalStateException("Table " + name + " vanished while being created"));
            if (table.tableStatus() == TableStatus.ACTIVE) {
                return table;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Table " + name + " is still " + table.tableStatus());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for table " + name, e);
            }
        }
    }

    private ProvisionedQueue provisionQueue(String logicalId, String defaultName, Map<String, Object> properties,
                                            SqsClient sqs) {
        boolean fifo = Boolean.parseBoolean(String.valueOf(properties.get("FifoQueue")));
        String name = properties.containsKey("QueueName")
                ? text(properties.get("QueueName"))
                : defaultName + (fifo ? ".fifo" : "");
        Map<QueueAttributeName, String> attributes = queueAttributes(properties);
        Optional<String> existingUrl = queueUrl(sqs, name);
        String queueUrl;
        if (existingUrl.isPresent()) {
            queueUrl = existingUrl.get();
            Map<QueueAttributeName, String> changeable = new LinkedHashMap<>(attributes);
            changeable.remove(QueueAttributeName.FIFO_QUEUE);
            if (!changeable.isEmpty()) {
                sqs.setQueueAttributes(b -> b.queueUrl(queueUrl).attributes(changeable));
            }
        } else {
            queueUrl = sqs.createQueue(b -> b.queueName(name).attributes(attributes)).queueUrl();
        }
        String arn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        return new ProvisionedQueue(logicalId, name, queueUrl, arn);
    }

    private static Optional<String> queueUrl(SqsClient sqs, String name) {
        try {
            return Optional.of(sqs.getQueueUrl(b -> b.queueName(name)).queueUrl());
        } catch (QueueDoesNotExistException absent) {
            return Optional.empty();
        }
    }

    private Map<QueueAttributeName, String> queueAttributes(Map<String, Object> properties) {
        Map<QueueAttributeName, String> attributes = new LinkedHashMap<>();
        for (String property : QUEUE_ATTRIBUTES) {
            if (properties.get(property) != null) {
                attributes.put(QueueAttributeName.fromValue(property), text(properties.get(property)));
            }
        }
        for (String property : QUEUE_JSON_ATTRIBUTES) {
            Object value = properties.get(property);
            if (value instanceof String jsonText) {
                attributes.put(QueueAttributeName.fromValue(property), jsonText);
            } else if (value != null) {
                attributes.put(QueueAttributeName.fromValue(property), toJson(YamlValues.map(value, property)));
            }
        }
        return attributes;
    }

    /** As JSON text, with whole numbers given as text (e.g. a resolved maxReceiveCount "5") written as numbers. */
    private String toJson(Map<String, Object> value) {
        Map<String, Object> normalized = new LinkedHashMap<>();
        value.forEach((key, item) -> normalized.put(key,
                item instanceof String text && text.matches("\\d{1,9}") ? Integer.valueOf(text) : item));
        try {
            return json.writeValueAsString(normalized);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot write as JSON: " + value, e);
        }
    }

    private static List<Map<String, Object>> list(Map<String, Object> owner, String property) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (Object item : YamlValues.list(owner.get(property), property)) {
            items.add(YamlValues.map(item, property + " item"));
        }
        return items;
    }

    private static String text(Object value) {
        return IntrinsicResolver.scalarText(value);
    }
}
