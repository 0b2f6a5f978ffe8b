package ai.joinchat.push.webhook;

import ai.joinchat.push.request.EmailNormalizer;
import ai.joinchat.push.request.PhoneNumberNormalizer;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;

import java.util.Optional;

/**
 * What an event teaches about who a PSID is (contract section 6):
 * <ul>
 *   <li>a referral (also a postback's) or an opt-in whose {@code ref} is {@code uuid=<uuid>}
 *       binds {@code uuid:<uuid>}, when the user is a PSID (a chat plugin {@code user_ref} is not);</li>
 *   <li>a quick-reply tap whose payload is an e-mail address binds {@code email:<lower-case>}, else
 *       one whose payload is a phone number binds {@code phone:+<digits>}: Facebook puts the
 *       address or number itself in the payload of {@code user_email} / {@code user_phone_number}
 *       quick replies.</li>
 * </ul>
 * Contact keys are the send API's ({@link Recipient#contactKey()}), normalised the same way.
 */
public final class ContactBindingRules {

    static final String UUID_REF_PREFIX = "uuid=";

    private final PhoneNumberNormalizer phoneNumbers;
    private final EmailNormalizer emails;

    public ContactBindingRules(PhoneNumberNormalizer phoneNumbers, EmailNormalizer emails) {
        this.phoneNumbers = phoneNumbers;
        this.emails = emails;
    }

    public Optional<ContactBinding> bindingFor(WebhookEvent event) {
        if (event instanceof Referral referral) {
            return uuidRef(referral.ref(), referral.psid(), referral.viaPostback() ? "postback_referral" : "referral");
        }
        if (event instanceof OptIn optIn) {
            return uuidRef(optIn.ref(), optIn.psid(), "optin");
        }
        if (event instanceof QuickReply reply) {
            Optional<ContactBinding> email = emails.normalize(reply.payload())
                    .map(address -> binding(RecipientType.EMAIL, address, reply.psid(), "quick_reply_email"));
            return email.isPresent() ? email : phoneNumbers.normalize(reply.payload())
                    .map(number -> binding(RecipientType.PHONE, number, reply.psid(), "quick_reply_phone"));
        }
        return Optional.empty();
    }

    private static Optional<ContactBinding> uuidRef(String ref, String psid, String source) {
        if (psid == null || ref == null || !ref.startsWith(UUID_REF_PREFIX)) {
            return Optional.empty();
        }
        return Recipient.uuid(ref.substring(UUID_REF_PREFIX.length()))
                .map(uuid -> new ContactBinding(uuid.contactKey(), psid, source));
    }

    private static ContactBinding binding(RecipientType type, String value, String psid, String source) {
        return new ContactBinding(new Recipient(type, value).contactKey(), psid, source);
    }
}
