package ai.joinchat.push.local;

import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.config.IamGrant;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.template.DynamoDbStreamEventSource;
import ai.joinchat.push.local.aws.template.HttpApiRoute;
import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.ServerlessFunction;
import ai.joinchat.push.local.aws.template.SqsEventSource;
import ai.joinchat.push.local.aws.template.TemplateDocument;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * template.yaml tells the truth about the code: every Handler exists, every environment variable a
 * function reads is declared for it, and the deployment shape the contract and the design ask for
 * (routes, queue and DLQ, partial batch responses, visibility timeout, least privilege) is there.
 */
class TemplateContractTest {

    private static final Path ROOT = LocalMode.findRepositoryRoot();
    private static final SamTemplate TEMPLATE = SamTemplate.read(ROOT.resolve("template.yaml"));
    private static final TemplateDocument DOCUMENT = new TemplateDocument(TEMPLATE);

    @Test
    void everyHandlerNamesAnExistingStreamHandlerMethod() throws Exception {
        assertEquals(Set.of("SendApiFunction", "WorkerFunction", "WebhookFunction", "CallbacksFunction"),
                TEMPLATE.functions().stream().map(ServerlessFunction::logicalId).collect(Collectors.toSet()));
        for (ServerlessFunction function : TEMPLATE.functions()) {
            String[] parts = function.handler().split("::");
            assertEquals(2, parts.length, function.handler());
            Class<?> handler = Class.forName(parts[0]);
            Method method = handler.getMethod(parts[1], InputStream.class, OutputStream.class,
                    com.amazonaws.services.lambda.runtime.Context.class);
            assertEquals(void.class, method.getReturnType());
            handler.getConstructor(); // Lambda's no-arg constructor
        }
    }

    @Test
    void everyEnvironmentVariableAFunctionReadsIsDeclaredForIt() throws Exception {
        for (ServerlessFunction function : TEMPLATE.functions()) {
            Set<String> declared = function.environment().keySet();
            for (EnvVar var : readsOf(function)) {
                assertTrue(declared.contains(var.name()),
                        function.logicalId() + " reads " + var + " but template.yaml does not declare it");
            }
        }
    }

    @Test
    void everyEnvironmentVariableInTheCodeIsUsedSomewhere() throws Exception {
        Set<EnvVar> used = new HashSet<>();
        for (ServerlessFunction function : TEMPLATE.functions()) {
            used.addAll(readsOf(function));
        }
        Set<EnvVar> unused = new TreeSet<>(Set.of(EnvVar.values()));
        unused.removeAll(used);
        assertTrue(unused.isEmpty(), "declared in EnvVar but read by no function: " + unused);
    }

    @Test
    void codeUriIsEachFunctionsModuleBuiltBySamThroughItsMakefile() throws IOException {
        for (ServerlessFunction function : TEMPLATE.functions()) {
            Path module = ROOT.resolve(function.codeUri());
            assertTrue(Files.isRegularFile(module.resolve("pom.xml")), "CodeUri is a Maven module: " + function.codeUri());
            Map<String, Object> metadata = DOCUMENT.map("Resources", function.logicalId(), "Metadata");
            assertEquals("makefile", metadata.get("BuildMethod"), function.logicalId() + " is built by its Makefile");
            String makefile = Files.readString(module.resolve("Makefile"));
            assertTrue(makefile.contains("build-" + function.logicalId() + ":"),
                    "functions' Makefile has the target sam build calls: build-" + function.logicalId());
            // Without sam build, tools find the shaded jar at <CodeUri>/target/<name>.jar.
            String name = module.getFileName().toString();
            assertEquals(Path.of(function.codeUri(), "target", name + ".jar"), function.builtJar());
            assertTrue(Files.readString(module.resolve("pom.xml")).contains("<finalName>" + name + "</finalName>"),
                    "the module's jar is named after its directory: " + name);
        }
    }

    @Test
    void routesOfTheContractReachAFunctionWithPayloadFormat2() {
        Map<String, String> routes = TEMPLATE.functions().stream()
                .flatMap(f -> f.httpApiEvents().stream().map(r -> Map.entry(r.path() + " " + r.method().toUpperCase(), f.logicalId())))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals("SendApiFunction", routes.get("/api/send_message ANY"));
        assertEquals("SendApiFunction", routes.get("/api/message_status ANY"));
        assertEquals("SendApiFunction", routes.get("/api/bindings ANY"));
        assertEquals("WebhookFunction", routes.get("/webhook ANY"));
        assertEquals("SendApiFunction", routes.get("$default ANY"), "undeclared routes get the JSON 404");
        for (ServerlessFunction function : TEMPLATE.functions()) {
            for (HttpApiRoute route : function.httpApiEvents()) {
                assertEquals("2.0", route.payloadFormatVersion());
            }
        }
    }

    @Test
    void everyStreamEventReadsADeclaredStreamReportsItemFailuresAndKeepsWhatFails() {
        for (ServerlessFunction function : TEMPLATE.functions()) {
            for (DynamoDbStreamEventSource source : function.dynamoDbEvents()) {
                String where = function.logicalId() + "'s stream event on " + source.tableLogicalId();
                assertTrue(DOCUMENT.properties(source.tableLogicalId()).containsKey("StreamSpecification"), where);
                assertTrue(source.reportsBatchItemFailures(), where);
                String queue = source.onFailureQueueLogicalId().orElseThrow(() -> new AssertionError(where
                        + " has no OnFailure destination: records failing every retry would vanish"));
                assertEquals("AWS::SQS::Queue", DOCUMENT.type(queue), where);
                source.filterPatterns().forEach(pattern -> assertTrue(Json.parse(pattern).isObject(), where + ": " + pattern));
            }
        }
    }

    @Test
    void callbacksReadBothTablesStreamsFilteredWithPartialBatchResponsesAndAFailureDestination() {
        for (String table : List.of("MessagesTable", "ContactBindingsTable")) {
            assertEquals(Map.of("StreamViewType", "NEW_AND_OLD_IMAGES"), DOCUMENT.properties(table).get("StreamSpecification"));
        }
        Map<String, Object> events = DOCUMENT.map("Resources", "CallbacksFunction", "Properties", "Events");
        for (String name : List.of("MessageStatuses", "ContactBindings")) {
            Map<?, ?> event = (Map<?, ?>) events.get(name);
            assertEquals("DynamoDB", event.get("Type"), name);
            Map<?, ?> properties = (Map<?, ?>) event.get("Properties");
            assertEquals(List.of("ReportBatchItemFailures"), properties.get("FunctionResponseTypes"), name);
            assertTrue(properties.containsKey("FilterCriteria") && properties.get("BisectBatchOnFunctionError").equals(true), name);
            assertTrue(((Number) properties.get("MaximumRetryAttempts")).intValue() > 0, name);
            assertEquals(Map.of("Fn::GetAtt", List.of("CallbackDeadLetterQueue", "Arn")),
                    ((Map<?, ?>) ((Map<?, ?>) properties.get("DestinationConfig")).get("OnFailure")).get("Destination"), name);
        }
        ServerlessFunction callbacks = TEMPLATE.function("CallbacksFunction");
        assertEquals(List.of("CallbackQueue"), callbacks.sqsEvents().stream().map(SqsEventSource::queueLogicalId).toList());
        assertTrue(callbacks.sqsEvents().get(0).reportsBatchItemFailures());
        assertTrue(((Number) DOCUMENT.properties("CallbackQueue").get("VisibilityTimeout")).intValue()
                >= 6 * callbacks.timeoutSeconds());
        assertEquals("false", callbacks.environment().get("ALLOW_PRIVATE_CALLBACKS"), "private callbacks only locally");
    }

    @Test
    void workerReportsBatchItemFailuresAndTheQueueRedrivesToADeadLetterQueue() {
        ServerlessFunction worker = TEMPLATE.function("WorkerFunction");
        assertEquals(List.of("MessageQueue", "MessageDeadLetterQueue"),
                worker.sqsEvents().stream().map(SqsEventSource::queueLogicalId).toList(),
                "the worker delivers from the queue and records what the dead-letter queue receives");
        assertTrue(worker.sqsEvents().get(1).reportsBatchItemFailures());
        SqsEventSource source = worker.sqsEvents().get(0);
        assertTrue(source.reportsBatchItemFailures());
        assertTrue(DOCUMENT.map("Resources", "WorkerFunction", "Properties", "Events", "Queue", "Properties", "ScalingConfig")
                .containsKey("MaximumConcurrency"), "MaximumConcurrency bounds the worker's fan-out");
        assertEquals("MessageQueue", source.queueLogicalId());

        Map<String, Object> queue = DOCUMENT.properties("MessageQueue");
        int visibility = ((Number) queue.get("VisibilityTimeout")).intValue();
        assertTrue(visibility >= 6 * worker.timeoutSeconds(),
                "visibility timeout " + visibility + " s is below 6x the worker timeout " + worker.timeoutSeconds() + " s");
        assertTrue(queue.containsKey("RedrivePolicy"));
        assertEquals("AWS::SQS::Queue", DOCUMENT.type("MessageDeadLetterQueue"));
        // No redelivery of a message (a duplicate, or the one after a killed invocation) can send
        // while the invocation that claimed it may still be sending.
        assertTrue(ai.joinchat.push.worker.DeliveryPolicy.DEFAULT_CLAIM_LEASE.getSeconds()
                        >= visibility + worker.timeoutSeconds(),
                "the worker's claim lease must cover the visibility timeout plus the worker's timeout");
    }

    @Test
    void policiesAreLeastPrivilege() throws IOException {
        String yaml = Files.readString(ROOT.resolve("template.yaml"));
        assertFalse(yaml.contains("FullAccess"), "no *FullAccess managed policies");
        // Resource "*" only for actions AWS grants on "*" alone and that reveal names, never values.
        String withoutNameListing = yaml.replaceAll(
                "Action: \\[secretsmanager:ListSecrets\\]\\s+Resource: \"\\*\"", "");
        assertFalse(withoutNameListing.matches("(?s).*Resource:\\s*['\"]?\\*['\"]?\\s.*"),
                "no Resource: '*' except for ListSecrets");
        for (String function : DOCUMENT.resourcesOfType(SamTemplate.FUNCTION_TYPE)) {
            assertTrue(DOCUMENT.properties(function).containsKey("Policies"), function + " declares its policies");
        }
    }

    /**
     * Each function is granted exactly the actions its code calls, on exactly the resources it
     * calls them on: its components class's IAM_GRANTS, resolved through the template's own
     * environment variables, equal the statements of its policies. Nothing else is granted (no SAM
     * policy template, no managed policy, no wildcard).
     */
    @Test
    void eachFunctionIsGrantedExactlyTheActionsItsCodeCalls() throws Exception {
        for (ServerlessFunction function : TEMPLATE.functions()) {
            Map<String, Set<String>> expected = new TreeMap<>();
            for (IamGrant grant : grantsOf(function)) {
                expected.computeIfAbsent(resourceArn(function, grant), k -> new TreeSet<>()).addAll(grant.actions());
            }
            Map<String, Set<String>> granted = new TreeMap<>();
            Object policies = DOCUMENT.properties(function.logicalId()).get("Policies");
            assertTrue(policies instanceof List<?>, function.logicalId() + " lists its policies");
            for (Object policy : (List<?>) policies) {
                assertTrue(policy instanceof Map<?, ?> map && map.keySet().equals(Set.of("Statement")),
                        function.logicalId() + ": only inline statements, no policy templates or managed policies: " + policy);
                for (Object statement : (List<?>) ((Map<?, ?>) policy).get("Statement")) {
                    Map<?, ?> fields = (Map<?, ?>) statement;
                    assertEquals("Allow", fields.get("Effect"), function.logicalId() + " " + fields);
                    Object actions = fields.get("Action");
                    List<?> actionList = actions instanceof List<?> list ? list : List.of(actions);
                    granted.computeIfAbsent(describe(fields.get("Resource")), k -> new TreeSet<>())
                            .addAll(actionList.stream().map(String::valueOf).toList());
                }
            }
            assertEquals(expected, granted, function.logicalId() + ": granted vs called");
        }
    }

    @Test
    void theAppSecretArnMatchesOneSecretAndThePagePrefixEndsWithASlash() {
        String appSecretArn = resourceArn(TEMPLATE.function("WorkerFunction"), IamGrant.on(EnvVar.APP_SECRET_ID, "x:Y"));
        assertTrue(appSecretArn.endsWith(":secret:${AppSecretId}-??????"), appSecretArn);
        String pattern = String.valueOf(DOCUMENT.map("Parameters", "PageSecretPrefix").get("AllowedPattern"));
        assertTrue(pattern.endsWith("/$"), "the prefix ends with / so prefix* cannot match a sibling: " + pattern);
        assertTrue("joinchat/pages/".matches(pattern));
        assertFalse("joinchat/pages".matches(pattern));
    }

    @Test
    void everyNumericParameterIsBoundedAndRetentionMatchesTheCodesBound() {
        DOCUMENT.map("Parameters").keySet().stream().filter(name -> DOCUMENT.map("Parameters", name).get("Type").equals("Number"))
                .forEach(name -> {
                    Map<String, Object> declaration = DOCUMENT.map("Parameters", name);
                    assertTrue(declaration.containsKey("MinValue") && declaration.containsKey("MaxValue"),
                            name + " declares MinValue and MaxValue");
                });
        assertEquals(3650, ((Number) DOCUMENT.map("Parameters", "RecordRetentionDays").get("MaxValue")).intValue());
        Map<String, String> tooLong = new java.util.HashMap<>();
        for (EnvVar var : EnvVar.values()) {
            tooLong.put(var.name(), var.defaultValue() == null ? "x" : var.defaultValue());
        }
        tooLong.put("RECORD_RETENTION_DAYS", "3651");
        tooLong.put("AWS_REGION", "us-east-1");
        for (Class<?> components : List.of(ai.joinchat.push.send.SendApiComponents.class,
                ai.joinchat.push.worker.WorkerComponents.class, ai.joinchat.push.webhook.WebhookComponents.class)) {
            Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> create(components, tooLong));
            String message = String.valueOf(refused.getCause() == null ? refused : refused.getCause());
            assertTrue(message.contains("RECORD_RETENTION_DAYS"), components.getSimpleName() + ": " + message);
        }
        tooLong.put("RECORD_RETENTION_DAYS", "3650");
        for (Class<?> components : List.of(ai.joinchat.push.send.SendApiComponents.class,
                ai.joinchat.push.worker.WorkerComponents.class, ai.joinchat.push.webhook.WebhookComponents.class,
                ai.joinchat.push.callbacks.CallbacksComponents.class)) {
            org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> create(components, tooLong),
                    components.getSimpleName() + " starts with the template's maximum");
        }
    }

    @Test
    void recordRetentionCannotBeSetBelowTheTimeAMessageCanStayInSqs() {
        long day = 86_400;
        long queueDays = (((Number) DOCUMENT.properties("MessageQueue").get("MessageRetentionPeriod")).longValue() + day - 1) / day;
        long deadLetterDays = (((Number) DOCUMENT.properties("MessageDeadLetterQueue").get("MessageRetentionPeriod")).longValue()
                + day - 1) / day;
        Map<String, Object> parameter = DOCUMENT.map("Parameters", "RecordRetentionDays");
        int minimum = ((Number) parameter.get("MinValue")).intValue();
        // The DLQ counts retention from the first enqueue; one more day covers re-queued copies.
        assertTrue(minimum >= Math.max(queueDays, deadLetterDays) + 1,
                "RecordRetentionDays MinValue " + minimum + " outlives the queue (" + queueDays + " d) and the DLQ ("
                        + deadLetterDays + " d)");
        assertEquals(ai.joinchat.push.config.Settings.MIN_RECORD_RETENTION_DAYS, minimum, "the functions enforce the same bound");
        assertTrue(((Number) parameter.get("Default")).intValue() >= minimum);

        Map<String, String> environment = new java.util.HashMap<>();
        for (EnvVar var : EnvVar.values()) {
            environment.put(var.name(), var.defaultValue() == null ? "x" : var.defaultValue());
        }
        environment.put("AWS_REGION", "us-east-1");
        for (Class<?> components : List.of(ai.joinchat.push.send.SendApiComponents.class,
                ai.joinchat.push.worker.WorkerComponents.class, ai.joinchat.push.webhook.WebhookComponents.class)) {
            environment.put("RECORD_RETENTION_DAYS", Integer.toString(minimum - 1));
            Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> create(components, environment));
            String message = String.valueOf(refused.getCause() == null ? refused : refused.getCause());
            assertTrue(message.contains("RECORD_RETENTION_DAYS"), components.getSimpleName() + ": " + message);
            environment.put("RECORD_RETENTION_DAYS", Integer.toString(minimum));
            org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> create(components, environment),
                    components.getSimpleName() + " starts with the template's minimum");
        }
    }

    @Test
    void theWebhookRouteHasItsOwnThrottle() {
        Map<String, Object> webhookEvent = DOCUMENT.map("Resources", "WebhookFunction", "Properties", "Events", "Webhook");
        Map<?, ?> settings = (Map<?, ?>) ((Map<?, ?>) webhookEvent.get("Properties")).get("RouteSettings");
        assertTrue(settings != null && settings.containsKey("ThrottlingRateLimit") && settings.containsKey("ThrottlingBurstLimit"),
                "POST/GET /webhook has route settings of its own: " + webhookEvent);
        assertTrue(DOCUMENT.properties("HttpApi").containsKey("DefaultRouteSettings"));
    }

    /** Builds a function's components from {@code environment} as its Lambda handler does. */
    private static Object create(Class<?> components, Map<String, String> environment) throws Exception {
        java.time.Clock clock = java.time.Clock.systemUTC();
        if (components == ai.joinchat.push.worker.WorkerComponents.class) {
            return components.getMethod("create", Map.class, java.time.Clock.class, java.time.Duration.class,
                    java.time.Duration.class).invoke(null, environment, clock,
                    ai.joinchat.push.worker.graph.GraphSendClient.DEFAULT_TIMEOUT,
                    ai.joinchat.push.worker.DeliveryPolicy.DEFAULT_CLAIM_LEASE);
        }
        if (components == ai.joinchat.push.webhook.WebhookComponents.class) {
            return components.getMethod("create", Map.class, java.time.Clock.class, List.class)
                    .invoke(null, environment, clock, List.of());
        }
        if (components == ai.joinchat.push.callbacks.CallbacksComponents.class) {
            return components.getMethod("create", Map.class, java.time.Clock.class, java.time.Duration.class,
                    java.time.Duration.class).invoke(null, environment, clock,
                    ai.joinchat.push.callbacks.CallbacksComponents.POST_TIMEOUT,
                    ai.joinchat.push.callbacks.CallbacksComponents.SQS_MAX_DELAY);
        }
        return components.getMethod("create", Map.class, java.time.Clock.class).invoke(null, environment, clock);
    }

    @SuppressWarnings("unchecked")
    private static Set<IamGrant> grantsOf(ServerlessFunction function) throws Exception {
        String handlerClass = function.handler().split("::")[0];
        String components = handlerClass.replaceFirst("Handler$", "Components");
        return (Set<IamGrant>) Class.forName(components).getField("IAM_GRANTS").get(null);
    }

    /** The ARN expression the template must use for a grant, in {@link #describe} form. */
    private static String resourceArn(ServerlessFunction function, IamGrant grant) {
        Object value = function.environment().get(grant.resource().name());
        assertTrue(value instanceof Map<?, ?> ref && ref.containsKey("Ref"),
                function.logicalId() + " has " + grant.resource() + " as a !Ref: " + value);
        String target = String.valueOf(((Map<?, ?>) value).get("Ref"));
        if (grant.scope() == IamGrant.Scope.ANY_RESOURCE) {
            assertTrue(grant.actions().equals(Set.of("secretsmanager:ListSecrets")),
                    "only ListSecrets (names, no resource-level permissions) is granted on *: " + grant);
            return "*";
        }
        if (DOCUMENT.map("Parameters").containsKey(target)) {
            String secrets = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${" + target + "}";
            // A prefix names open-ended page ids; one secret is its name and Secrets Manager's 6-character suffix.
            return "Sub:" + secrets + (grant.resource() == EnvVar.PAGE_SECRET_PREFIX ? "*" : "-??????");
        }
        String type = DOCUMENT.type(target);
        assertTrue(type.equals("AWS::DynamoDB::Table") || type.equals("AWS::SQS::Queue"), target + " is " + type);
        return grant.scope() == IamGrant.Scope.INDEXES ? "Sub:${" + target + ".Arn}/index/*" : "GetAtt:" + target + ".Arn";
    }

    /** A statement's Resource as text: "GetAtt:Table.Arn" or "Sub:<the string>". */
    private static String describe(Object resource) {
        if ("*".equals(resource)) {
            return "*";
        }
        assertTrue(resource instanceof Map<?, ?>, "one resource expression per statement: " + resource);
        Map<?, ?> intrinsic = (Map<?, ?>) resource;
        if (intrinsic.containsKey("Fn::GetAtt")) {
            Object target = intrinsic.get("Fn::GetAtt");
            return "GetAtt:" + (target instanceof List<?> parts ? parts.get(0) + "." + parts.get(1) : target);
        }
        if (intrinsic.containsKey("Fn::Sub") && intrinsic.get("Fn::Sub") instanceof String sub) {
            return "Sub:" + sub;
        }
        throw new AssertionError("unexpected resource expression " + resource);
    }

    @Test
    void functionsLogJsonAndUseSnapStart() {
        Map<String, Object> globals = TEMPLATE.globalsFunction();
        assertEquals("PublishedVersions", ((Map<?, ?>) globals.get("SnapStart")).get("ApplyOn"));
        assertEquals("JSON", ((Map<?, ?>) globals.get("LoggingConfig")).get("LogFormat"));
        assertTrue(globals.containsKey("AutoPublishAlias"), "SnapStart applies to published versions");
    }

    @SuppressWarnings("unchecked")
    private static Set<EnvVar> readsOf(ServerlessFunction function) throws Exception {
        String handlerClass = function.handler().split("::")[0];
        String components = handlerClass.replaceFirst("Handler$", "Components");
        return (Set<EnvVar>) Class.forName(components).getField("DECLARED_ENV").get(null);
    }

}
