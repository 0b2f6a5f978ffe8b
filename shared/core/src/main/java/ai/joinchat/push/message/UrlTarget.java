package ai.joinchat.push.message;

/**
 * What a {@code web_url} button or an element's {@code default_action} opens; the webview
 * options are null when absent.
 */
public record UrlTarget(String url, String webviewHeightRatio, Boolean messengerExtensions, String fallbackUrl) {
}
