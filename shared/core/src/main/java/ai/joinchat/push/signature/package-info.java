/**
 * Signatures: the JoinChat request signature, signed refs, Facebook's webhook signature, the Graph
 * {@code appsecret_proof} and status-callback signatures. Comparisons are constant-time; all
 * classes are thread-safe.
 */
package ai.joinchat.push.signature;
