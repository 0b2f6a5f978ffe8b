package ai.joinchat.push.local.aws.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class SamTemplateTest {

    private static final SamTemplate PROJECT_TEMPLATE = SamTemplate.read(Path.of("../../template.yaml"));
    private static final TemplateDocument PROJECT = new TemplateDocument(PROJECT_TEMPLATE);

    @Test
    void findsTheThreeFunctionsWithHandlersAndSettings() {
        Map<String, ServerlessFunction> functions = new LinkedHashMap<>();
        PROJECT_TEMPLATE.functions().forEach(function -> functions.put(function.logicalId(), function));

        assertEquals(List.of("SendApiFunction", "WorkerFunction", "WebhookFunction", "CallbacksFunction"), List.copyOf(functions.keySet()));
        assertEquals("ai.joinchat.push.send.SendApiHandler::handleRequest", functions.get("SendApiFunction").handler());
        assertEquals("ai.joinchat.push.worker.WorkerHandler::handleRequest", functions.get("WorkerFunction").handler());
        assertEquals("ai.joinchat.push.webhook.WebhookHandler::handleRequest", functions.get("WebhookFunction").handler());
        assertEquals("functions/worker", functions.get("WorkerFunction").codeUri());
        assertEquals(Path.of("functions/worker/target/worker.jar"), functions.get("WorkerFunction").builtJar());
        assertEquals("worker", functions.get("WorkerFunction").shortName());
        assertEquals(Map.of("BuildMethod", "makefile"), PROJECT.map("Resources", "WorkerFunction", "Metadata"));
        assertEquals(30, functions.get("WorkerFunction").timeoutSeconds());
        assertEquals(10, functions.get("SendApiFunction").timeoutSeconds());
        assertEquals(1024, functions.get("WebhookFunction").memorySizeMb(), "MemorySize comes from Globals");
    }

    @Test
    void environmentMergesGlobalsFirstThenTheFunctions() {
        Map<String, Object> environment = PROJECT_TEMPLATE.function("SendApiFunction").environment();

        assertEquals(List.of("PAGE_SECRET_PREFIX", "APP_SECRET_ID", "SECRET_CACHE_TTL_SECONDS", "MESSAGES_TABLE",
                        "RECORD_RETENTION_DAYS", "LOG_LEVEL", "JAVA_TOOL_OPTIONS", "QUEUE_URL", "IDEMPOTENCY_TABLE",
                        "LEGACY_TAG_POLICY", "CONTACT_BINDINGS_TABLE"),
                List.copyOf(environment.keySet()));
        assertEquals(Map.of("Ref", "MessageQueue"), environment.get("QUEUE_URL"));
        assertEquals("-XX:+TieredCompilation -XX:TieredStopAtLevel=1", environment.get("JAVA_TOOL_OPTIONS"));
        assertTrue(PROJECT_TEMPLATE.function("WorkerFunction").environment().containsKey("GRAPH_API_VERSION"));
        assertFalse(PROJECT_TEMPLATE.function("WebhookFunction").environment().containsKey("QUEUE_URL"));
    }

    @Test
    void workerHasTheSqsEventSource() {
        ServerlessFunction worker = PROJECT_TEMPLATE.function("WorkerFunction");

        assertEquals(2, worker.sqsEvents().size(), "the queue, and the dead-letter queue whose records it records failed");
        SqsEventSource queue = worker.sqsEvents().get(0);
        assertEquals("MessageQueue", queue.queueLogicalId());
        assertEquals(10, queue.batchSize());
        assertTrue(queue.reportsBatchItemFailures());
        assertEquals(Map.of("MaximumConcurrency", Map.of("Ref", "WorkerMaximumConcurrency")),
                PROJECT.map("Resources", "WorkerFunction", "Properties", "Events", "Queue", "Properties", "ScalingConfig"));
        assertTrue(worker.httpApiEvents().isEmpty());
    }

    @Test
    void httpApiRoutesAreListed() {
        List<HttpApiRoute> sendRoutes = PROJECT_TEMPLATE.function("SendApiFunction").httpApiEvents();
        List<HttpApiRoute> webhookRoutes = PROJECT_TEMPLATE.function("WebhookFunction").httpApiEvents();

        assertEquals(List.of("/api/send_message", "/api/message_status", "/api/resend_message", "/api/bindings", "$default"),
                sendRoutes.stream().map(HttpApiRoute::path).toList());
        assertTrue(sendRoutes.stream().allMatch(route -> route.method().equals("ANY")));
        assertEquals("2.0", sendRoutes.get(0).payloadFormatVersion());
        assertEquals("/webhook", webhookRoutes.get(0).path());
    }

    @Test
    void parametersResolveToTheirDefaultsOrTheValuesGiven() {
        Map<String, Object> ttl = Map.of("Ref", "SecretCacheTtlSeconds");
        SamTemplate overridden = PROJECT.withParameters(Map.of("SecretCacheTtlSeconds", "60")).template();

        assertEquals("300", resolver(PROJECT_TEMPLATE).resolveToString(ttl, "ttl"));
        assertEquals("joinchat/pages/", resolver(PROJECT_TEMPLATE).resolveToString(Map.of("Ref", "PageSecretPrefix"), "p"));
        assertEquals("60", resolver(overridden).resolveToString(ttl, "ttl"));
        assertThrows(IllegalArgumentException.class, () -> PROJECT.withParameters(Map.of("Nope", "1")));
    }

    @Test
    void resourcesAreFoundByType() {
        assertEquals(List.of("MessagesTable", "ContactBindingsTable", "ContactStateTable", "IdempotencyKeysTable", "WebhookEventsTable"),
                PROJECT.resourcesOfType("AWS::DynamoDB::Table"));
        assertEquals(List.of("MessageQueue", "MessageDeadLetterQueue", "CallbackQueue", "CallbackDeadLetterQueue"),
                PROJECT.resourcesOfType("AWS::SQS::Queue"));
        Map<String, Object> redrivePolicy = PROJECT.map("Resources", "MessageQueue", "Properties", "RedrivePolicy");
        assertEquals(Map.of("Fn::GetAtt", List.of("MessageDeadLetterQueue", "Arn")), redrivePolicy.get("deadLetterTargetArn"));
        assertEquals(Map.of("LogFormat", "JSON", "ApplicationLogLevel", Map.of("Ref", "LogLevel"), "SystemLogLevel", "WARN"),
                PROJECT_TEMPLATE.globalsFunction().get("LoggingConfig"));
    }

    @Test
    void intrinsicFunctionsAreResolved() {
        SamTemplate template = SamTemplate.parse("""
                Parameters:
                  Stage:
                    Type: String
                    Default: prod
                Resources:
                  Queue:
                    Type: AWS::SQS::Queue
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: x::y
                      Environment:
                        Variables:
                          SUB: !Sub arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Stage}.${AWS::URLSuffix}
                          SUB_ATTRIBUTE: !Sub '${Stage}/${Queue.QueueName}' 
                          ARN: !GetAtt Queue.Arn
                          URL: !Ref Queue
                          NUMBER: 300
                          BOOL: true
                """);
        BiFunction<String, String, String> queue = (logicalId, attribute) -> !attribute.equals("Ref")
                ? logicalId + "-" + attribute : logicalId.equals("Queue") ? "http://sqs/q" : null;

        Map<String, String> environment = new IntrinsicResolver(template, "eu-west-1", queue)
                .resolveToStrings(template.function("Fn").environment(), "Fn.Environment.Variables");

        assertEquals("arn:aws:sqs:eu-west-1:000000000000:prod.amazonaws.com", environment.get("SUB"));
        assertEquals("prod/Queue-QueueName", environment.get("SUB_ATTRIBUTE"));
        assertEquals("Queue-Arn", environment.get("ARN"));
        assertEquals("http://sqs/q", environment.get("URL"));
        assertEquals("300", environment.get("NUMBER"));
        assertEquals("true", environment.get("BOOL"));
    }

    @Test
    void theProjectsCustomDomainConditionNeedsDomainAndCertificate() {
        TemplateDocument domainOnly = PROJECT.withParameters(Map.of("DomainName", "push.example.com"));
        TemplateDocument both = domainOnly.withParameters(
                Map.of("CertificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/abc"));

        assertFalse(PROJECT.isConditionTrue("HasCustomDomain"));
        assertFalse(domainOnly.isConditionTrue("HasCustomDomain"));
        assertTrue(both.isConditionTrue("HasCustomDomain"));
    }

    @Test
    void aConditionFunctionTheTemplateDoesNotUseFailsNamingIt() {
        TemplateDocument either = new TemplateDocument(SamTemplate.parse("""
                Conditions:
                  Either: !Or [!Equals [a, a], !Equals [b, c]]
                Resources: {}
                """));

        IllegalArgumentException or = assertThrows(IllegalArgumentException.class, () -> either.isConditionTrue("Either"));

        assertTrue(or.getMessage().startsWith("Fn::Or at Conditions.Either"), or.getMessage());
    }

    @Test
    void unsupportedIntrinsicsFailNamingTheFunctionAndWhereItIs() {
        SamTemplate template = SamTemplate.parse("""
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: x::y
                      Environment:
                        Variables:
                          JOINED: !Join ['-', [a, b]]
                          NOTHING: !Ref AWS::NoValue
                          VARIABLES: !Sub ['${Name}', {Name: x}]
                """);
        IntrinsicResolver resolver = resolver(template);
        Map<String, Object> environment = template.function("Fn").environment();

        IllegalArgumentException join = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolveToStrings(Map.of("JOINED", environment.get("JOINED")), "Fn.Environment.Variables"));
        IllegalArgumentException noValue = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolveToStrings(Map.of("NOTHING", environment.get("NOTHING")), "Fn.Environment.Variables"));
        IllegalArgumentException variables = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolveToStrings(Map.of("VARIABLES", environment.get("VARIABLES")), "Fn.Environment.Variables"));
        IllegalArgumentException importValue = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Map.of("Fn::ImportValue", "x"), "value"));

        assertTrue(join.getMessage().startsWith("Fn::Join at Fn.Environment.Variables.JOINED is not supported locally"),
                join.getMessage());
        assertTrue(noValue.getMessage().contains("AWS::NoValue at Fn.Environment.Variables.NOTHING"), noValue.getMessage());
        assertTrue(variables.getMessage().startsWith("Fn::Sub with a variables map at Fn.Environment.Variables.VARIABLES"
                + " is not supported locally"), variables.getMessage());
        assertTrue(importValue.getMessage().startsWith("Fn::ImportValue"), importValue.getMessage());
    }

    @Test
    void getAttStringFormSplitsOnTheFirstDotOnly() {
        SamTemplate template = SamTemplate.parse("""
                Resources:
                  R:
                    Type: Custom::Thing
                    Properties:
                      Value: !GetAtt Db.Endpoint.Address
                      Long: {"Fn::GetAtt": [Db, Endpoint.Port]}
                """);

        Map<String, Object> properties = new TemplateDocument(template).properties("R");

        assertEquals(Map.of("Fn::GetAtt", List.of("Db", "Endpoint.Address")), properties.get("Value"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Db", "Endpoint.Port")), properties.get("Long"));
    }

    @Test
    void unresolvableReferencesSayWhy() {
        IntrinsicResolver resolver = resolver(PROJECT_TEMPLATE);

        IllegalArgumentException api = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Map.of("Ref", "HttpApi"), "value"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Map.of("Ref", "Nothing"), "value"));

        assertTrue(api.getMessage().contains("AWS::Serverless::HttpApi"), api.getMessage());
        assertTrue(unknown.getMessage().contains("no parameter or resource named Nothing"), unknown.getMessage());
    }

    @Test
    void unknownTagsAreRejected() {
        assertThrows(RuntimeException.class, () -> SamTemplate.parse("Resources: !Danger {}"));
        assertThrows(RuntimeException.class, () -> SamTemplate.parse("Resources: !!java.io.File {}"));
    }

    @Test
    void dynamoDbStreamEventsAreRead() {
        SamTemplate template = SamTemplate.parse("""
                Parameters:
                  Retries: {Type: Number, Default: 7}
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: functions/fn
                      Handler: fn.Handler::handleRequest
                      Events:
                        Changes:
                          Type: DynamoDB
                          Properties:
                            Stream: !GetAtt ThingsTable.StreamArn
                            StartingPosition: TRIM_HORIZON
                            BatchSize: 25
                            MaximumBatchingWindowInSeconds: 1
                            FilterCriteria:
                              Filters:
                                - Pattern: '{"eventName": ["INSERT"]}'
                                - Pattern: '{"eventName": ["MODIFY"]}'
                            FunctionResponseTypes: [ReportBatchItemFailures]
                            MaximumRetryAttempts: !Ref Retries
                            BisectBatchOnFunctionError: true
                            DestinationConfig:
                              OnFailure:
                                Destination: !GetAtt FailedQueue.Arn
                        Plain:
                          Type: DynamoDB
                          Properties:
                            Stream: {"Fn::GetAtt": [OtherTable, StreamArn]}
                            StartingPosition: LATEST
                """);

        List<DynamoDbStreamEventSource> events = template.function("Fn").dynamoDbEvents();

        assertEquals(new DynamoDbStreamEventSource("ThingsTable", "TRIM_HORIZON", 25, 1,
                List.of("{\"eventName\": [\"INSERT\"]}", "{\"eventName\": [\"MODIFY\"]}"), true, 7, true,
                Optional.of("FailedQueue")), events.get(0));
        assertEquals(new DynamoDbStreamEventSource("OtherTable", "LATEST", 100, 0, List.of(), false, -1, false,
                Optional.empty()), events.get(1), "SAM's and Lambda's defaults");
        assertTrue(template.function("Fn").sqsEvents().isEmpty());
    }

    @Test
    void aDynamoDbEventNeedsAStreamArnAndAStartingPosition() {
        String function = """
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Events:
                        Changes:
                          Type: DynamoDB
                          Properties:
                """;
        IllegalArgumentException arn = assertThrows(IllegalArgumentException.class, () -> SamTemplate.parse(function
                + "            Stream: !GetAtt ThingsTable.Arn\n            StartingPosition: LATEST\n").function("Fn"));
        IllegalArgumentException position = assertThrows(IllegalArgumentException.class, () -> SamTemplate.parse(function
                + "            Stream: !GetAtt ThingsTable.StreamArn\n            StartingPosition: AT_TIMESTAMP\n").function("Fn"));

        assertTrue(arn.getMessage().contains("Fn.Events.Changes.Stream must be !GetAtt <Resource>.StreamArn"), arn.getMessage());
        assertTrue(position.getMessage().contains("StartingPosition must be TRIM_HORIZON or LATEST"), position.getMessage());
    }

    /** Resolves parameters and pseudo parameters; no resource is provisioned. */
    private static IntrinsicResolver resolver(SamTemplate template) {
        return new IntrinsicResolver(template, "us-east-1", (logicalId, attribute) -> null);
    }
}
