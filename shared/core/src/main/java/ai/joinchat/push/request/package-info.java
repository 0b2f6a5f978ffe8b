/**
 * Who a message is for: the {@link ai.joinchat.push.request.Recipient} a send request names, and
 * the phone number and e-mail normalisation that the send API, the worker, the webhook and the
 * store all apply to it. The validation of the request itself belongs to the send API.
 */
package ai.joinchat.push.request;
