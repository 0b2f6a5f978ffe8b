package ai.joinchat.push.local.aws.template;

/**
 * An {@code HttpApi} event of a function: a route such as {@code ANY /api/send_message} or
 * {@code ANY $default}.
 *
 * @param payloadFormatVersion SAM's default is "2.0"
 */
public record HttpApiRoute(String path, String method, String payloadFormatVersion) {
}
