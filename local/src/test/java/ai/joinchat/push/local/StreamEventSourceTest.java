package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.EmbeddedAwsBackends;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.lambda.DynamoDbStreamEventSourcePoller;
import ai.joinchat.push.local.testfunction.StreamEventHandler;
import ai.joinchat.push.observability.JsonLogger;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DynamoDB stream event source driving a function in its own JVM, as local mode wires them (the
 * template's event read by {@link LocalAws#streamEventSources}, the invocation through
 * {@link LocalMode#invoker}): a function killed mid-batch gets the same batch again, in a new
 * execution environment.
 */
class StreamEventSourceTest {

    private static final String TEMPLATE = """
            Resources:
              ThingsTable:
                Type: AWS::DynamoDB::Table
                Properties:
                  BillingMode: PAY_PER_REQUEST
                  AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                  KeySchema: [{AttributeName: id, KeyType: HASH}]
                  StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
              ThingsFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: test-function.jar
                  Handler: ai.joinchat.push.local.testfunction.StreamEventHandler::handleRequest
                  Events:
                    Things:
                      Type: DynamoDB
                      Properties:
                        Stream: !GetAtt ThingsTable.StreamArn
                        StartingPosition: TRIM_HORIZON
                        BatchSize: 10
                        FunctionResponseTypes: [ReportBatchItemFailures]
            """;

    @TempDir
    Path directory;
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void aFunctionKilledMidBatchGetsTheSameBatchAgain() throws Exception {
        LocalAws aws = LocalAws.provision(EmbeddedAwsBackends.start(0, 0, 0), SamTemplate.parse(TEMPLATE), "killed");
        started.add(aws);
        Console console = new Console(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        FunctionProcess.Definition definition = new FunctionProcess.Definition("things", "killed-ThingsFunction",
                StreamEventHandler.class.getName() + "::handleRequest", TestFunctionJar.build(directory), 256,
                Duration.ofSeconds(30), Map.of("EVENTS_DIRECTORY", directory.toString()));
        FunctionProcess function = FunctionProcess.start(definition, BootstrapJar.writeTo(directory), "us-east-1",
                console, null);
        started.add(function);
        List<DynamoDbStreamEventSourcePoller> pollers = aws.streamEventSources("ThingsFunction",
                LocalMode.invoker(function), new JsonLogger("stream-event-source", "ERROR"));
        assertEquals(1, pollers.size());
        for (String id : List.of("k1", "exit-once", "k3")) {
            aws.dynamoDb().putItem(b -> b.tableName(aws.tableName("ThingsTable"))
                    .item(Map.of("id", AttributeValue.fromS(id))));
        }

        pollers.get(0).start();
        started.add(pollers.get(0));

        Path log = directory.resolve("events.log");
        long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (events(log).size() < 2 && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        List<JsonNode> events = events(log);
        assertEquals(2, events.size(), "the batch, and the same batch after the crash");
        assertTrue(Files.exists(directory.resolve("exited")), "the first environment died mid-batch");
        assertEquals(List.of("k1", "exit-once", "k3"), ids(events.get(0)));
        assertEquals(sequenceNumbers(events.get(0)), sequenceNumbers(events.get(1)));
    }

    private static List<JsonNode> events(Path log) throws Exception {
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log).stream().filter(line -> !line.isBlank()).map(Json::parse).toList();
    }

    private static List<String> ids(JsonNode event) {
        List<String> ids = new ArrayList<>();
        event.path("Records").forEach(record -> ids.add(record.path("dynamodb").path("Keys").path("id").path("S").asText()));
        return ids;
    }

    private static List<String> sequenceNumbers(JsonNode event) {
        List<String> numbers = new ArrayList<>();
        event.path("Records").forEach(record -> numbers.add(record.path("dynamodb").path("SequenceNumber").asText()));
        return numbers;
    }
}
