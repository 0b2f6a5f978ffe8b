/**
 * The send request: validation of {@code POST /api/send_message} bodies (contract section 3),
 * recipient normalisation and the message tag policy. Plain Java, no AWS or Lambda types.
 * Entry point: {@link ai.joinchat.push.send.request.SendRequestValidator}.
 */
package ai.joinchat.push.send.request;
