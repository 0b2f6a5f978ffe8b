package ai.joinchat.push.local.aws.junit;

import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.local.aws.EmbeddedAwsBackends;
import ai.joinchat.push.local.aws.template.SamTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a {@link LocalAws} parameter: the in-JVM backends
 * ({@link EmbeddedAwsBackends}, their Secrets Manager reached through
 * {@link LocalAws#secretsManagerControls()}) with the repository's template.yaml provisioned as
 * stack {@value #STACK_NAME}. They start once per test JVM, on first use, and stop when the JVM's
 * tests are done.
 *
 * <pre>{@code
 * @ExtendWith(LocalAwsExtension.class)
 * class SendApiTest {
 *     @Test
 *     void queuesTheMessage(LocalAws aws) { ... aws.functionEnvironment("SendApiFunction") ... }
 * }
 * }</pre>
 *
 * <p>The template is found by walking up from the working directory; the system property
 * {@value #TEMPLATE_PROPERTY} can name it instead.
 */
public class LocalAwsExtension implements ParameterResolver {

    public static final String STACK_NAME = "test";
    public static final String TEMPLATE_PROPERTY = "localaws.template";

    private static final Namespace NAMESPACE = Namespace.create(LocalAwsExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LocalAws.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return localAws(extensionContext);
    }

    /** The JVM-wide instance for these backends, started on first use. */
    protected LocalAws localAws(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(
                backendName(),
                name -> LocalAws.provision(startBackends(), SamTemplate.read(findTemplate()), STACK_NAME),
                LocalAws.class);
    }

    /** Names the kind of backends, so that each kind is started once. */
    protected String backendName() {
        return "embedded";
    }

    protected AwsBackends startBackends() {
        return new ControlledBackends(EmbeddedAwsBackends.start(0, 0, 0));
    }

    /** template.yaml in the working directory or the nearest directory above it. */
    static Path findTemplate() {
        String configured = System.getProperty(TEMPLATE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path directory = start; directory != null; directory = directory.getParent()) {
            Path candidate = directory.resolve("template.yaml");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("No template.yaml in " + start + " or any directory above it; set -D"
                + TEMPLATE_PROPERTY + "=<path>");
    }
}
