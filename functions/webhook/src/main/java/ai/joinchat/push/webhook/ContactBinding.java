package ai.joinchat.push.webhook;

/** A contact ({@code uuid:...}, {@code phone:+...}, {@code email:...}) to bind to a page's PSID. */
public record ContactBinding(String contactKey, String psid, String source) {
}
