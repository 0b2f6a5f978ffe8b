package ai.joinchat.push.webhook;

import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.secrets.UnsignedRefPolicy;
import ai.joinchat.push.signature.SignedRef;
import ai.joinchat.push.store.QuickReplyOffers;
import ai.joinchat.push.webhook.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.WebhookEventProcessor.EffectBatch;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a batch's events propose about who a PSID is ({@link ContactBinding}), and which of those
 * bindings may be written, and how (contract section 6). One batch read for the offers, one for the
 * text payloads, one (cached) secret read per page with refs.
 */
public record BindingAdmission(SecretsProvider secrets, QuickReplyOffers offers, Clock clock) {

    /**
     * A contact (the send API's keys: {@code uuid:...}, {@code phone:+...}, {@code email:...}) an event
     * proposes to bind to a page's PSID, and what the proposal rests on; {@link #admit} decides.
     */
    sealed interface ContactBinding {

        String contactKey();

        String psid();

        /** Where it came from, stored with the binding: {@code ref}, {@code signed_ref}, {@code optin}, {@code quick_reply}. */
        String source();

        /** A {@code uuid=} ref: binds if signed with the page's key, else as its {@code unsigned_refs} allows. */
        record FromRef(String contactKey, String psid, String source, SignedRef ref) implements ContactBinding {
        }

        /** A quick-reply payload that is a phone or e-mail: binds only against a recorded offer of {@code kind}. */
        record FromQuickReply(String contactKey, String psid, String source, QuickReplyOffers.Kind kind)
                implements ContactBinding {
        }
    }

    enum Write { REPLACE, IF_UNBOUND }

    record Proposal(WebhookEvent event, ContactBinding binding) {
    }

    record Admitted(Proposal proposal, Write write) {
    }

    /** The admitted writes per contact, in time order, without those a later one makes redundant. */
    Collection<List<Admitted>> admit(List<WebhookEvent> events, EffectBatch batch) {
        List<Proposal> proposals = events.stream().flatMap(event -> bindingFor(event)
                .map(binding -> new Proposal(event, binding)).stream()).toList();
        List<Admitted> admitted = new ArrayList<>(admitRefs(proposals, batch));
        admitted.addAll(admitTaps(proposals, batch));
        return byContact(admitted);
    }

    static Optional<ContactBinding> bindingFor(WebhookEvent event) {
        if (event instanceof Referral referral) {
            return uuidRef(referral.ref(), referral.psid(), null);
        }
        if (event instanceof OptIn optIn) {
            return uuidRef(optIn.ref(), optIn.psid(), "optin");
        }
        if (event instanceof QuickReply reply) {
            Optional<ContactBinding> email = Recipient.normalizedEmail(reply.payload())
                    .map(address -> offered(RecipientType.EMAIL, address, reply.psid(), QuickReplyOffers.Kind.EMAIL));
            return email.isPresent() ? email : Recipient.normalizedPhone(reply.payload())
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

    private List<Admitted> admitRefs(List<Proposal> proposals, EffectBatch batch) {
        Map<String, List<Proposal>> byPage = new LinkedHashMap<>();
        proposals.stream().filter(p -> p.binding() instanceof ContactBinding.FromRef)
                .forEach(p -> byPage.computeIfAbsent(p.event().pageId(), page -> new ArrayList<>()).add(p));
        List<Admitted> admitted = new ArrayList<>();
        int refused = 0;
        for (Map.Entry<String, List<Proposal>> page : byPage.entrySet()) {
            // A deferred lookup throws (transient): the batch answers 500 and Facebook redelivers it.
            Optional<Optional<PageSecrets>> pageSecrets = batch.read(events(page.getValue()),
                    () -> secrets.pageSecrets(page.getKey()).decided());
            for (Proposal proposal : pageSecrets.isPresent() ? page.getValue() : List.<Proposal>of()) {
                ContactBinding.FromRef ref = (ContactBinding.FromRef) proposal.binding();
                Optional<Write> write = refWrite(ref, page.getKey(), pageSecrets.get());
                write.ifPresent(w -> admitted.add(new Admitted(proposal, w)));
                refused += write.isEmpty() && ref.ref().signed() ? 1 : 0;
            }
        }
        if (refused > 0) {
            batch.settle(WebhookEventProcessor.Outcome.refused(refused));
        }
        return admitted;
    }

    private static Optional<Write> refWrite(ContactBinding.FromRef binding, String page, Optional<PageSecrets> secrets) {
        if (binding.ref().signed()) {
            return secrets.isPresent() && binding.ref().verify(page, secrets.get().acceptedApiSecrets())
                    ? Optional.of(Write.REPLACE) : Optional.empty();
        }
        return switch (secrets.map(PageSecrets::unsignedRefs).orElse(UnsignedRefPolicy.FIRST)) {
            case FIRST -> Optional.of(Write.IF_UNBOUND);
            case LATEST -> Optional.of(Write.REPLACE);
            case NEVER -> Optional.empty();
        };
    }

    /**
     * Taps on a live offer whose payload the page did not send as a text quick reply's: Facebook
     * does not say which kind of quick reply was tapped, and a text one's payload is the
     * developer's data, whatever it looks like. A skipped read admits none.
     */
    private List<Admitted> admitTaps(List<Proposal> proposals, EffectBatch batch) {
        List<Proposal> taps = proposals.stream().filter(p -> p.binding() instanceof ContactBinding.FromQuickReply).toList();
        if (taps.isEmpty()) {
            return List.of();
        }
        Set<QuickReplyOffers.Offer> live = batch.read(events(taps), () -> offers.live(
                taps.stream().map(BindingAdmission::offerFor).toList(), clock.instant(), batch.deadline())).orElse(Set.of());
        List<Proposal> offered = taps.stream().filter(tap -> live.contains(offerFor(tap))).toList();
        if (offered.isEmpty()) {
            return List.of();
        }
        Optional<Set<QuickReplyOffers.TextPayload>> text = batch.read(events(offered), () -> offers.offeredAsText(
                offered.stream().map(BindingAdmission::textPayloadOf).toList(), clock.instant(), batch.deadline()));
        return text.map(payloads -> offered.stream().filter(tap -> !payloads.contains(textPayloadOf(tap)))
                .map(tap -> new Admitted(tap, Write.REPLACE)).toList()).orElse(List.of());
    }

    /**
     * Per contact in time order, leaving out a write followed by one of the same kind that wins
     * over it (any replacing write; a conditional one for the same PSID): the store would end the same.
     */
    private static Collection<List<Admitted>> byContact(List<Admitted> admitted) {
        Map<String, List<Admitted>> byContact = new LinkedHashMap<>();
        admitted.stream().sorted(Comparator.comparingLong(a -> a.proposal().event().timestamp())).forEach(next -> {
            List<Admitted> writes = byContact.computeIfAbsent(
                    next.proposal().event().pageId() + '\n' + next.proposal().binding().contactKey(), key -> new ArrayList<>());
            if (!writes.isEmpty() && supersedes(next, writes.get(writes.size() - 1))) {
                writes.remove(writes.size() - 1);
            }
            writes.add(next);
        });
        return byContact.values();
    }

    private static boolean supersedes(Admitted next, Admitted last) {
        return last.write() == next.write() && (next.write() == Write.REPLACE
                || last.proposal().binding().psid().equals(next.proposal().binding().psid()));
    }

    private static QuickReplyOffers.Offer offerFor(Proposal proposal) {
        ContactBinding.FromQuickReply tap = (ContactBinding.FromQuickReply) proposal.binding();
        return new QuickReplyOffers.Offer(proposal.event().pageId(), tap.psid(), tap.kind());
    }

    private static QuickReplyOffers.TextPayload textPayloadOf(Proposal proposal) {
        QuickReply tap = (QuickReply) proposal.event();
        return new QuickReplyOffers.TextPayload(tap.pageId(), tap.psid(), tap.payload());
    }

    private static List<WebhookEvent> events(List<Proposal> proposals) {
        return proposals.stream().map(Proposal::event).toList();
    }
}
