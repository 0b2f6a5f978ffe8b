package ai.joinchat.push.webhook.service;

import ai.joinchat.push.request.EmailNormalizer;
import ai.joinchat.push.request.PhoneNumberNormalizer;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.webhook.event.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.event.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.event.WebhookEvent.Referral;

import java.util.Optional;

/**
 * What an event proposes about who a PSID is (contract section 6): a referral or opt-in
 * {@code uuid=} ref proposes {@code uuid:<uuid>}; a quick-reply tap whose payload is an e-mail
 * address or a phone number proposes that contact (Facebook does not say whether a
 * {@code user_email} / {@code user_phone_number} or a text quick reply was tapped, so
 * {@link BindingAdmission} checks the recorded offers). Contact keys are the send API's.
 */
public record ContactBindingRules(PhoneNumberNormalizer phoneNumbers, EmailNormalizer emails) {

    public Optional<ContactBinding> bindingFor(WebhookEvent event) {
        if (event instanceof Referral referral) {
            return uuidRef(referral.ref(), referral.psid(), null);
        }
        if (event instanceof OptIn optIn) {
            return uuidRef(optIn.ref(), optIn.psid(), "optin");
        }
        if (event instanceof QuickReply reply) {
            Optional<ContactBinding> email = emails.normalize(reply.payload())
                    .map(address -> offered(RecipientType.EMAIL, address, reply.psid(), QuickReplyOffers.Kind.EMAIL));
            return email.isPresent() ? email : phoneNumbers.normalize(reply.payload())
                    .map(number -> offered(RecipientType.PHONE, number, reply.psid(), QuickReplyOffers.Kind.PHONE));
        }
        return Optional.empty();
    }

    /** {@code source} null: a referral's, {@code signed_ref} or {@code ref} (contract section 8). */
    private static Optional<ContactBinding> uuidRef(String ref, String psid, String source) {
        if (psid == null) {
            return Optional.empty();
        }
        return SignedRef.parse(ref).flatMap(parsed -> Recipient.uuid(parsed.uuid())
                .map(uuid -> new ContactBinding.FromRef(uuid.contactKey(), psid,
                        source != null ? source : parsed.signed() ? "signed_ref" : "ref", parsed)));
    }

    private static ContactBinding offered(RecipientType type, String value, String psid, QuickReplyOffers.Kind kind) {
        return new ContactBinding.FromQuickReply(new Recipient(type, value).contactKey(), psid, "quick_reply", kind);
    }
}
