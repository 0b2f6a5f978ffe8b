package ai.joinchat.push.webhook.service;

import ai.joinchat.push.webhook.event.OptIn;
import ai.joinchat.push.webhook.event.QuickReply;
import ai.joinchat.push.webhook.event.Referral;
import ai.joinchat.push.webhook.event.WebhookEvent;
import ai.joinchat.push.request.EmailNormalizer;
import ai.joinchat.push.request.PhoneNumberNormalizer;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.store.QuickReplyOffers;

import java.util.Optional;

/**
 * What an event proposes about who a PSID is (contract section 6); whether the proposal binds
 * is decided with the page's key, settings and recorded offers by {@link WebhookEventProcessor}:
 * <ul>
 *   <li>a referral (also a postback's) or an opt-in whose {@code ref} is {@code uuid=<uuid>} or
 *       {@code uuid=<uuid>;sig=<signature>} proposes {@code uuid:<uuid>}, when the user is a PSID
 *       (a chat plugin {@code user_ref} is not);</li>
 *   <li>a quick-reply tap whose payload is an e-mail address proposes {@code email:<lower-case>},
 *       else one whose payload is a phone number proposes {@code phone:+<digits>}: Facebook puts
 *       the address or number itself in the payload of {@code user_email} /
 *       {@code user_phone_number} quick replies, but also sends the developer's own {@code text}
 *       quick replies' payloads, without saying which kind was tapped (the processor admits a
 *       tap only against a recorded offer of its kind, and never one whose payload was recorded
 *       as a text quick reply's).</li>
 * </ul>
 * Contact keys are the send API's ({@link Recipient#contactKey()}), normalised the same way.
 */
public final class ContactBindingRules {

    private final PhoneNumberNormalizer phoneNumbers;
    private final EmailNormalizer emails;

    public ContactBindingRules(PhoneNumberNormalizer phoneNumbers, EmailNormalizer emails) {
        this.phoneNumbers = phoneNumbers;
        this.emails = emails;
    }

    public Optional<ContactBinding> bindingFor(WebhookEvent event) {
        if (event instanceof Referral referral) {
            return uuidRef(referral.ref(), referral.psid(), null);
        }
        if (event instanceof OptIn optIn) {
            return uuidRef(optIn.ref(), optIn.psid(), "optin");
        }
        if (event instanceof QuickReply reply) {
            Optional<ContactBinding> email = emails.normalize(reply.payload())
                    .map(address -> offered(RecipientType.EMAIL, address, reply.psid(), "quick_reply",
                            QuickReplyOffers.Kind.EMAIL));
            return email.isPresent() ? email : phoneNumbers.normalize(reply.payload())
                    .map(number -> offered(RecipientType.PHONE, number, reply.psid(), "quick_reply",
                            QuickReplyOffers.Kind.PHONE));
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

    private static ContactBinding offered(RecipientType type, String value, String psid, String source,
                                          QuickReplyOffers.Kind kind) {
        return new ContactBinding.FromQuickReply(new Recipient(type, value).contactKey(), psid, source, kind);
    }
}
