package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.secrets.AppSecrets;
import ai.joinchat.push.secrets.PageSecrets;
import ai.joinchat.push.secrets.SecretLookup;
import ai.joinchat.push.secrets.SecretsProvider;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.DeliveryError;
import ai.joinchat.push.worker.graph.GraphSendClient;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * Everything a delivery reads before it claims the record: the page's token, the app secret, the
 * recipient's PSID and the Send API body. Only reads, so a failure here changes nothing.
 * {@code phoneNumberFallback}: an unbound phone is sent as {@code phone_number}.
 */
record Preparation(SecretsProvider secrets, ContactBindings bindings, boolean phoneNumberFallback) {

    static final String PAGE_NOT_CONFIGURED = "page_not_configured";
    static final String RECIPIENT_NOT_FOUND = "recipient_not_found";
    static final String INVALID_MESSAGE = "invalid_message";

    sealed interface Prepared {
    }

    /**
     * What to send, and with which credentials ({@code appSecret} empty when none is configured);
     * {@code psid} is null for the phone number fallback.
     */
    record Ready(String pageToken, Optional<String> appSecret, String psid, ObjectNode body) implements Prepared {
    }

    /** Why it can never be sent: recorded {@code failed} once claimed. */
    record Unsendable(DeliveryError error) implements Prepared {
        static Unsendable of(String code, String message) {
            return new Unsendable(new DeliveryError(code, null, message, false));
        }
    }

    /** The page's secret could not be looked up yet (the per-container lookup limit): never "not configured". */
    record Deferred() implements Prepared {
    }

    /** @throws DependencyUnavailableException when a secret or the binding cannot be read */
    Prepared prepare(QueuedMessage message) {
        SecretLookup<PageSecrets> lookup = secrets.pageSecrets(message.pageId());
        if (lookup.deferred()) {
            return new Deferred();
        }
        Optional<String> token = lookup.found().map(PageSecrets::pageAccessToken).filter(t -> !t.isBlank());
        if (token.isEmpty()) {
            return Unsendable.of(PAGE_NOT_CONFIGURED, "no page access token is configured for this page");
        }
        Optional<String> appSecret = secrets.appSecrets().map(AppSecrets::appSecret).filter(s -> !s.isEmpty());
        Recipient recipient = message.recipient();
        try {
            // The Send API's recipient: the PSID bound to the contact, else (a phone, with the fallback) its number.
            Optional<String> psid = recipient.type() == RecipientType.ID ? Optional.of(recipient.value())
                    : bindings.psidFor(message.pageId(), recipient.contactKey());
            ObjectNode to;
            if (psid.isPresent()) {
                to = Json.object().put("id", psid.get());
            } else if (recipient.type() == RecipientType.PHONE && phoneNumberFallback) {
                to = Json.object().put("phone_number", recipient.value());
            } else {
                return Unsendable.of(RECIPIENT_NOT_FOUND,
                        "no PSID is bound to this " + recipient.type().wireName() + " for this page");
            }
            return new Ready(token.get(), appSecret, psid.orElse(null), GraphSendClient.toSendApiBody(to, message));
        } catch (IllegalArgumentException e) {
            return Unsendable.of(INVALID_MESSAGE, e.getMessage());
        }
    }

    /** The page's token and app secret fetched again; empty when neither changed. */
    Optional<Ready> refreshed(QueuedMessage message, Ready ready) {
        Optional<String> token = secrets.refreshPageSecrets(message.pageId()).map(PageSecrets::pageAccessToken)
                .filter(t -> !t.isBlank());
        Optional<String> appSecret = secrets.refreshAppSecrets().map(AppSecrets::appSecret).filter(s -> !s.isEmpty());
        if (token.isEmpty() || (token.get().equals(ready.pageToken()) && appSecret.equals(ready.appSecret()))) {
            return Optional.empty();
        }
        return Optional.of(new Ready(token.get(), appSecret, ready.psid(), ready.body()));
    }
}
