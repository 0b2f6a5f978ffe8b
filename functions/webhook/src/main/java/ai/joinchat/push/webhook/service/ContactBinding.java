package ai.joinchat.push.webhook.service;

import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.store.QuickReplyOffers;

/**
 * A contact ({@code uuid:...}, {@code phone:+...}, {@code email:...}) an event proposes to bind
 * to a page's PSID, and what the proposal rests on; {@link WebhookEventProcessor} decides
 * whether it binds (contract section 6).
 */
public sealed interface ContactBinding {

    String contactKey();

    String psid();

    /** Where it came from, stored with the binding: {@code ref}, {@code signed_ref}, {@code optin}, {@code quick_reply}. */
    String source();

    /** A uuid ref: binds if signed with the page's key, else as the page's {@code unsigned_refs} allows. */
    record FromRef(String contactKey, String psid, String source, SignedRef ref) implements ContactBinding {
    }

    /** A quick-reply payload that is a phone or e-mail: binds only against a recorded offer of {@code kind}. */
    record FromQuickReply(String contactKey, String psid, String source, QuickReplyOffers.Kind kind)
            implements ContactBinding {
    }
}
