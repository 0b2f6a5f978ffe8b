/**
 * Request signatures: the JoinChat {@code x-joinchat-signature} (Base64 HMAC-SHA256 of the raw
 * body under the page's api secret) and Facebook's {@code X-Hub-Signature-256} for webhooks.
 * All comparisons are constant-time; all classes are thread-safe.
 */
package ai.joinchat.push.signature;
