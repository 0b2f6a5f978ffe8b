package ai.joinchat.push.local.aws.template;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An {@code AWS::Serverless::Function} with the Globals.Function section applied: the function's
 * own value wins, and environment variables are merged (Globals first, then the function's).
 * Environment values are as declared (intrinsics unresolved); resolve them with
 * {@link ProvisionedStack#environmentOf(String)}.
 *
 * @param codeUri        as declared: the function's directory (built by {@code sam build} through its
 *                       Makefile), or a built {@code .jar}
 * @param timeoutSeconds SAM's default is 3
 * @param memorySizeMb   SAM's default is 128
 */
public record ServerlessFunction(
        String logicalId,
        String codeUri,
        String handler,
        int timeoutSeconds,
        int memorySizeMb,
        Map<String, Object> environment,
        List<SqsEventSource> sqsEvents,
        List<HttpApiRoute> httpApiEvents,
        List<DynamoDbStreamEventSource> dynamoDbEvents) {

    /**
     * The function's built jar, relative to the template's directory, without running
     * {@code sam build}: a {@code .jar} CodeUri itself, else {@code <CodeUri>/target/<directory name>.jar}
     * (each function module's shaded jar, {@code functions/send-api/target/send-api.jar}).
     */
    public Path builtJar() {
        Path code = Path.of(codeUri);
        if (codeUri.endsWith(".jar")) {
            return code;
        }
        return code.resolve("target").resolve(code.getFileName() + ".jar");
    }

    /** {@code send-api} for {@code functions/send-api} (or {@code functions/send-api/target/send-api.jar}). */
    public String shortName() {
        String file = builtJar().getFileName().toString();
        return file.substring(0, file.length() - ".jar".length());
    }
}
