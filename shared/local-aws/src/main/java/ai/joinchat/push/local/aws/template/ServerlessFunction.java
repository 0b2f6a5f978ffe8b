package ai.joinchat.push.local.aws.template;

import java.util.List;
import java.util.Map;

/**
 * An {@code AWS::Serverless::Function} with the Globals.Function section applied: the function's
 * own value wins, and environment variables are merged (Globals first, then the function's).
 * Environment values are as declared (intrinsics unresolved); resolve them with
 * {@link ProvisionedStack#environmentOf(String)}.
 *
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
        List<HttpApiRoute> httpApiEvents) {
}
