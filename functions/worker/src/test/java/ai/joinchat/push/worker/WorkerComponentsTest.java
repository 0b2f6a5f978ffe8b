package ai.joinchat.push.worker;

import ai.joinchat.push.config.EnvVar;
import ai.joinchat.push.worker.graph.GraphSendClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerComponentsTest {

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("MESSAGES_TABLE", "messages");
        env.put("CONTACT_BINDINGS_TABLE", "bindings");
        env.put("QUEUE_URL", "http://127.0.0.1:9/000000000000/queue");
        env.put("DEAD_LETTER_QUEUE_ARN", "arn:aws:sqs:us-east-1:000000000000:queue-dlq");
        env.put("CONTACT_STATE_TABLE", "contact-state");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        return env;
    }

    /** The variable names set for WorkerFunction: Globals.Function.Environment plus its own. */
    private static Set<String> templateVariablesOfWorker() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("../../template.yaml"));
        Set<String> names = new java.util.TreeSet<>();
        collectVariables(lines, "Globals:", names);
        collectVariables(lines, "  WorkerFunction:", names);
        return names;
    }

    private static void collectVariables(List<String> lines, String section, Set<String> names) {
        int start = lines.indexOf(section);
        assertTrue(start >= 0, section + " in template.yaml");
        int indent = section.length() - section.stripLeading().length();
        Pattern variable = Pattern.compile("^\\s+([A-Z][A-Z0-9_]+):");
        boolean inVariables = false;
        int variablesIndent = -1;
        for (int i = start + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int lineIndent = line.length() - line.stripLeading().length();
            if (lineIndent <= indent) {
                break;
            }
            if (line.strip().equals("Variables:")) {
                inVariables = true;
                variablesIndent = lineIndent;
                continue;
            }
            if (inVariables && lineIndent <= variablesIndent) {
                inVariables = false;
            }
            Matcher m = variable.matcher(line);
            if (inVariables && m.find()) {
                names.add(m.group(1));
            }
        }
    }

    @Test
    void declaresExactlyTheVariablesTheTemplateGivesTheWorker() throws IOException {
        Set<String> template = templateVariablesOfWorker();
        Set<String> declared = new java.util.TreeSet<>();
        WorkerComponents.DECLARED_ENV.forEach(v -> declared.add(v.name()));
        template.remove("JAVA_TOOL_OPTIONS");
        assertEquals(template, declared);
        assertEquals(EnumSet.of(EnvVar.PAGE_SECRET_PREFIX, EnvVar.APP_SECRET_ID, EnvVar.SECRET_CACHE_TTL_SECONDS,
                EnvVar.MESSAGES_TABLE, EnvVar.CONTACT_BINDINGS_TABLE, EnvVar.CONTACT_STATE_TABLE, EnvVar.QUEUE_URL,
                EnvVar.DEAD_LETTER_QUEUE_ARN,
                EnvVar.GRAPH_API_BASE_URL,
                EnvVar.GRAPH_API_VERSION, EnvVar.PHONE_NUMBER_FALLBACK, EnvVar.MAX_RECEIVE_COUNT,
                EnvVar.MAX_THROTTLE_HOURS, EnvVar.RECORD_RETENTION_DAYS, EnvVar.LOG_LEVEL), WorkerComponents.DECLARED_ENV);
    }

    @Test
    void buildsFromTheEnvironmentWithoutCallingAnything() {
        WorkerComponents components = WorkerComponents.create(env(), Clock.systemUTC(), GraphSendClient.DEFAULT_TIMEOUT,
                DeliveryPolicy.DEFAULT_CLAIM_LEASE);
        assertNotNull(components.processor());
        components.priming().run();
    }

    @Test
    void missingTableIsAClearConfigurationError() {
        Map<String, String> env = env();
        env.remove("MESSAGES_TABLE");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> WorkerComponents.create(env, Clock.systemUTC(), GraphSendClient.DEFAULT_TIMEOUT,
                DeliveryPolicy.DEFAULT_CLAIM_LEASE));
        assertTrue(e.getMessage().contains("MESSAGES_TABLE"));
    }

    @Test
    void invalidNumbersAreRejected() {
        Map<String, String> env = env();
        env.put("MAX_RECEIVE_COUNT", "zero");
        assertThrows(IllegalStateException.class, () -> WorkerComponents.create(env, Clock.systemUTC(),
                GraphSendClient.DEFAULT_TIMEOUT, DeliveryPolicy.DEFAULT_CLAIM_LEASE));
        env.put("MAX_RECEIVE_COUNT", "5");
        env.put("PHONE_NUMBER_FALLBACK", "maybe");
        assertThrows(IllegalStateException.class, () -> WorkerComponents.create(env, Clock.systemUTC(),
                GraphSendClient.DEFAULT_TIMEOUT, DeliveryPolicy.DEFAULT_CLAIM_LEASE));
    }
}
