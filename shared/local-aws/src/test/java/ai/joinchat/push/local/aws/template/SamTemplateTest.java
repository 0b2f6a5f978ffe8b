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
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SamTemplateTest {

    private static final SamTemplate PROJECT_TEMPLATE = SamTemplate.read(Path.of("../../template.yaml"));

    @Test
    void findsTheThreeFunctionsWithHandlersAndSettings() {
        Map<String, ServerlessFunction> functions = new LinkedHashMap<>();
        PROJECT_TEMPLATE.functions().forEach(function -> functions.put(function.logicalId(), function));

        assertEquals(List.of("SendApiFunction", "WorkerFunction", "WebhookFunction"), List.copyOf(functions.keySet()));
        assertEquals("ai.joinchat.push.send.SendApiHandler::handleRequest", functions.get("SendApiFunction").handler());
        assertEquals("ai.joinchat.push.worker.WorkerHandler::handleRequest", functions.get("WorkerFunction").handler());
        assertEquals("ai.joinchat.push.webhook.WebhookHandler::handleRequest", functions.get("WebhookFunction").handler());
        assertEquals("functions/worker", functions.get("WorkerFunction").codeUri());
        assertEquals(Path.of("functions/worker/target/worker.jar"), functions.get("WorkerFunction").builtJar());
        assertEquals("worker", functions.get("WorkerFunction").shortName());
        assertEquals(Map.of("BuildMethod", "makefile"), PROJECT_TEMPLATE.resources().get("WorkerFunction").metadata());
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
        assertEquals(List.of("ReportBatchItemFailures"), queue.functionResponseTypes());
        assertTrue(queue.reportsBatchItemFailures());
        assertEquals(OptionalInt.of(20), queue.maximumConcurrency());
        assertTrue(worker.httpApiEvents().isEmpty());
    }

    @Test
    void httpApiRoutesAreListed() {
        List<HttpApiRoute> sendRoutes = PROJECT_TEMPLATE.function("SendApiFunction").httpApiEvents();
        List<HttpApiRoute> webhookRoutes = PROJECT_TEMPLATE.function("WebhookFunction").httpApiEvents();

        assertEquals(List.of("/api/send_message", "/api/message_status", "/api/bindings", "$default"),
                sendRoutes.stream().map(HttpApiRoute::path).toList());
        assertTrue(sendRoutes.stream().allMatch(route -> route.method().equals("ANY")));
        assertEquals("2.0", sendRoutes.get(0).payloadFormatVersion());
        assertEquals("/webhook", webhookRoutes.get(0).path());
    }

    @Test
    void parametersHaveDefaultsAndOverrides() {
        assertEquals(Optional.of("300"), PROJECT_TEMPLATE.parameterValue("SecretCacheTtlSeconds"));
        assertEquals(Optional.of("joinchat/pages/"), PROJECT_TEMPLATE.parameterValue("PageSecretPrefix"));
        assertEquals("Number", PROJECT_TEMPLATE.parameters().get("MaxReceiveCount").type());

        SamTemplate overridden = PROJECT_TEMPLATE.withParameterOverrides(Map.of("SecretCacheTtlSeconds", "60"));

        assertEquals(Optional.of("60"), overridden.parameterValue("SecretCacheTtlSeconds"));
        assertEquals(Optional.of("300"), PROJECT_TEMPLATE.parameterValue("SecretCacheTtlSeconds"));
        assertThrows(IllegalArgumentException.class, () -> PROJECT_TEMPLATE.withParameterOverrides(Map.of("Nope", "1")));
    }

    @Test
    void resourcesAreFoundByType() {
        assertEquals(List.of("MessagesTable", "ContactBindingsTable", "ContactStateTable", "IdempotencyKeysTable", "WebhookEventsTable"),
                List.copyOf(PROJECT_TEMPLATE.resourcesOfType("AWS::DynamoDB::Table").keySet()));
        assertEquals(List.of("MessageQueue", "MessageDeadLetterQueue"),
                List.copyOf(PROJECT_TEMPLATE.resourcesOfType("AWS::SQS::Queue").keySet()));
        Map<String, Object> redrivePolicy = YamlValues.map(
                PROJECT_TEMPLATE.resources().get("MessageQueue").properties().get("RedrivePolicy"), "RedrivePolicy");
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
                Conditions:
                  IsProd: !Equals [!Ref Stage, prod]
                  IsNotProd: !Not [!Condition IsProd]
                  Both: !And [!Condition IsProd, !Equals ['1', 1]]
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
        ResourceReferences queue = (logicalId, attribute) -> !attribute.equals(ResourceReferences.REF)
                ? Optional.of(logicalId + "-" + attribute)
                : logicalId.equals("Queue") ? Optional.of("http://sqs/q") : Optional.empty();

        IntrinsicResolver resolver = template.resolver(PseudoParameters.of("stack", "eu-west-1"), queue);
        Map<String, String> environment = resolver.resolveToStrings(template.function("Fn").environment());

        assertEquals("arn:aws:sqs:eu-west-1:000000000000:prod.amazonaws.com", environment.get("SUB"));
        assertEquals("prod/Queue-QueueName", environment.get("SUB_ATTRIBUTE"));
        assertEquals("Queue-Arn", environment.get("ARN"));
        assertEquals("http://sqs/q", environment.get("URL"));
        assertEquals("300", environment.get("NUMBER"));
        assertEquals("true", environment.get("BOOL"));
        assertTrue(resolver.isConditionTrue("IsProd"));
        assertFalse(resolver.isConditionTrue("IsNotProd"));
        assertTrue(resolver.isConditionTrue("Both"));

        SamTemplate staging = template.withParameterOverrides(Map.of("Stage", "dev"));
        IntrinsicResolver stagingResolver = staging.resolver(PseudoParameters.of("stack", "eu-west-1"), queue);
        assertFalse(stagingResolver.isConditionTrue("IsProd"));
        assertTrue(stagingResolver.isConditionTrue("IsNotProd"));
        assertFalse(stagingResolver.isConditionTrue("Both"));
    }

    @Test
    void theProjectsCustomDomainConditionNeedsDomainAndCertificate() {
        IntrinsicResolver withoutDomain = PROJECT_TEMPLATE.resolver(PseudoParameters.of("s", "us-east-1"), ResourceReferences.NONE);
        SamTemplate domainOnly = PROJECT_TEMPLATE.withParameterOverrides(Map.of("DomainName", "push.example.com"));
        SamTemplate both = domainOnly.withParameterOverrides(
                Map.of("CertificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/abc"));

        assertFalse(withoutDomain.isConditionTrue("HasCustomDomain"));
        assertFalse(domainOnly.resolver(PseudoParameters.of("s", "us-east-1"), ResourceReferences.NONE)
                .isConditionTrue("HasCustomDomain"));
        assertTrue(both.resolver(PseudoParameters.of("s", "us-east-1"), ResourceReferences.NONE)
                .isConditionTrue("HasCustomDomain"));
    }

    @Test
    void unsupportedIntrinsicsFailNamingTheFunctionAndWhereItIs() {
        SamTemplate template = SamTemplate.parse("""
                Conditions:
                  Either: !Or [!Equals [a, a], !Equals [b, c]]
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
        IntrinsicResolver resolver = template.resolver(PseudoParameters.of("stack", "eu-west-1"), ResourceReferences.NONE);
        Map<String, Object> environment = template.function("Fn").environment();

        IllegalArgumentException join = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolveToStrings(Map.of("JOINED", environment.get("JOINED")), "Fn.Environment.Variables"));
        IllegalArgumentException noValue = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolveToStrings(Map.of("NOTHING", environment.get("NOTHING")), "Fn.Environment.Variables"));
        IllegalArgumentException or = assertThrows(IllegalArgumentException.class, () -> resolver.isConditionTrue("Either"));
        IllegalArgumentException variables = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolveToStrings(Map.of("VARIABLES", environment.get("VARIABLES")), "Fn.Environment.Variables"));
        IllegalArgumentException importValue = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Map.of("Fn::ImportValue", "x")));

        assertTrue(join.getMessage().startsWith("Fn::Join at Fn.Environment.Variables.JOINED is not supported locally"),
                join.getMessage());
        assertTrue(noValue.getMessage().contains("AWS::NoValue at Fn.Environment.Variables.NOTHING"), noValue.getMessage());
        assertTrue(or.getMessage().startsWith("Fn::Or at Conditions.Either"), or.getMessage());
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

        Map<String, Object> properties = template.resources().get("R").properties();

        assertEquals(Map.of("Fn::GetAtt", List.of("Db", "Endpoint.Address")), properties.get("Value"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Db", "Endpoint.Port")), properties.get("Long"));
    }

    @Test
    void unresolvableReferencesSayWhy() {
        IntrinsicResolver resolver = PROJECT_TEMPLATE.resolver(PseudoParameters.of("s", "us-east-1"), ResourceReferences.NONE);

        IllegalArgumentException api = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Map.of("Ref", "HttpApi")));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> resolver.resolve(Map.of("Ref", "Nothing")));

        assertTrue(api.getMessage().contains("AWS::Serverless::HttpApi"), api.getMessage());
        assertTrue(unknown.getMessage().contains("no parameter or resource named Nothing"), unknown.getMessage());
    }

    @Test
    void unknownTagsAreRejected() {
        assertThrows(RuntimeException.class, () -> SamTemplate.parse("Resources: !Danger {}"));
        assertThrows(RuntimeException.class, () -> SamTemplate.parse("Resources: !!java.io.File {}"));
    }
}
