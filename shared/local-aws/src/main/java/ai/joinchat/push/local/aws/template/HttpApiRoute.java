package ai.joinchat.push.local.aws.template;

import java.util.Optional;

/**
 * An {@code HttpApi} event of a function: a route such as {@code ANY /api/send_message} or
 * {@code ANY $default}.
 *
 * @param apiLogicalId          the HttpApi resource of {@code ApiId: !Ref ...}; empty for SAM's implicit API
 * @param payloadFormatVersion  SAM's default is "2.0"
 */
public record HttpApiRoute(
        String eventName,
        String path,
        String method,
        Optional<String> apiLogicalId,
        String payloadFormatVersion) {
}
