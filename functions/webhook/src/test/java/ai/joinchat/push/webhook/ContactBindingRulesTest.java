package ai.joinchat.push.webhook;

import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.webhook.WebhookEvent.Channel;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.WebhookEvent.Read;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.BindingAdmission.ContactBinding;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ContactBindingRulesTest {

    private static Referral referral(String psid, String userRef, String ref, boolean viaPostback) {
        return new Referral("1", Channel.MESSAGING, viaPostback, psid, userRef, ref, "SHORTLINK", "OPEN_THREAD",
                null, null, null, null, 10L);
    }

    private static QuickReply reply(String payload) {
        return new QuickReply("1", Channel.MESSAGING, "42", "m", payload, 10L);
    }

    @Test
    void referralAndPostbackReferralWithUuidRefBindTheUuid() {
        assertEquals(Optional.of(new ContactBinding.FromRef("uuid:demo-user-42", "42", "ref", new SignedRef("demo-user-42", null))),
                BindingAdmission.bindingFor(referral("42", null, "uuid=demo-user-42", false)));
        assertEquals(Optional.of(new ContactBinding.FromRef("uuid:demo-user-42", "42", "ref", new SignedRef("demo-user-42", null))),
                BindingAdmission.bindingFor(referral("42", null, "uuid=demo-user-42", true)));
    }

    @Test
    void aSignedRefIsStoredAsSignedRefSoItsCallbackSaysSo() {
        assertEquals("signed_ref", BindingAdmission.bindingFor(referral("42", null, "uuid=u-1;sig=c2VjcmV0", false))
                .orElseThrow().source());
        assertEquals("optin", BindingAdmission.bindingFor(new OptIn("1", Channel.MESSAGING, "42", null, "uuid=u-1;sig=c2VjcmV0", 10L))
                .orElseThrow().source());
    }

    @Test
    void optinWithUuidRefBindsTheUuid() {
        assertEquals(Optional.of(new ContactBinding.FromRef("uuid:u=1", "42", "optin", new SignedRef("u=1", null))),
                BindingAdmission.bindingFor(new OptIn("1", Channel.MESSAGING, "42", null, "uuid=u=1", 10L)));
    }

    @Test
    void nothingIsBoundWithoutAPsidOrAUuidRef() {
        assertEquals(Optional.empty(), BindingAdmission.bindingFor(referral(null, "plugin-ref", "uuid=a", false)));
        assertEquals(Optional.empty(), BindingAdmission.bindingFor(new OptIn("1", Channel.MESSAGING, null, "ur", "uuid=a", 10L)));
        for (String ref : List.of("summer-sale", "uuid=", "uuid=a b", "UUID=a", "uuid=" + "x".repeat(129), "xuuid=a")) {
            assertEquals(Optional.empty(), BindingAdmission.bindingFor(referral("42", null, ref, false)), ref);
        }
        assertEquals(Optional.empty(), BindingAdmission.bindingFor(referral("42", null, null, false)));
        assertEquals("uuid:" + "x".repeat(128),
                BindingAdmission.bindingFor(referral("42", null, "uuid=" + "x".repeat(128), false)).orElseThrow().contactKey());
    }

    @Test
    void quickReplyWithAnEmailBindsTheLowerCasedEmail() {
        assertEquals(Optional.of(new ContactBinding.FromQuickReply("email:jane.doe@example.com", "42", "quick_reply", QuickReplyOffers.Kind.EMAIL)),
                BindingAdmission.bindingFor(reply(" Jane.Doe@Example.com ")));
    }

    @Test
    void quickReplyWithAPhoneBindsTheNormalisedPhone() {
        assertEquals(Optional.of(new ContactBinding.FromQuickReply("phone:+16505550123", "42", "quick_reply", QuickReplyOffers.Kind.PHONE)),
                BindingAdmission.bindingFor(reply("+1 (650) 555-0123")));
        assertEquals("phone:+84912345678", BindingAdmission.bindingFor(reply("84.912.345.678")).orElseThrow().contactKey());
    }

    @Test
    void aSignedRefCarriesItsSignatureAndTheUuidBeforeTheLastSeparator() {
        ContactBinding.FromRef binding = (ContactBinding.FromRef) BindingAdmission.bindingFor(
                referral("42", null, "uuid=a;sig=b;sig=c2VjcmV0", false)).orElseThrow();
        assertEquals("uuid:a;sig=b", binding.contactKey());
        assertEquals("c2VjcmV0", binding.ref().signature());
    }

    @Test
    void otherQuickRepliesAndEventsBindNothing() {
        for (String payload : List.of("YES", "RED_COLOR", "1234", "call me at 555", "")) {
            assertEquals(Optional.empty(), BindingAdmission.bindingFor(reply(payload)), payload);
        }
        assertEquals(Optional.empty(), BindingAdmission.bindingFor(
                new MessageEcho("1", Channel.MESSAGING, "42", "m", null, "uuid=a", null, null, 1L)));
        assertEquals(Optional.empty(), BindingAdmission.bindingFor(new Read("1", Channel.MESSAGING, "42", 1L, 1L)));
    }
}
