package ai.joinchat.push.worker.delivery;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.store.ContactBindings;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * Turns a queued recipient into a Send API recipient: {@code id} is the PSID; {@code uuid},
 * {@code phone} and {@code email} are looked up in the page's contact bindings (contact key
 * {@code type:value}). An unbound phone is sent as {@code phone_number} when the fallback is on.
 */
public record RecipientResolver(ContactBindings bindings, boolean phoneNumberFallback) {

    /** Empty when the recipient is not bound to a PSID for that page. */
    public Optional<ResolvedRecipient> resolve(String pageId, String type, String value) {
        if (type == null || value == null || value.isEmpty()) {
            throw new IllegalArgumentException("recipient needs a type and a value");
        }
        return switch (type) {
            case "id" -> Optional.of(byPsid(value));
            case "uuid", "email" -> bindings.psidFor(pageId, type + ":" + value).map(RecipientResolver::byPsid);
            case "phone" -> {
                Optional<ResolvedRecipient> bound = bindings.psidFor(pageId, "phone:" + value)
                        .map(RecipientResolver::byPsid);
                if (bound.isPresent() || !phoneNumberFallback) {
                    yield bound;
                }
                yield Optional.of(new ResolvedRecipient(Json.object().put("phone_number", value), null));
            }
            default -> throw new IllegalArgumentException("unknown recipient type");
        };
    }

    private static ResolvedRecipient byPsid(String psid) {
        return new ResolvedRecipient(Json.object().put("id", psid), psid);
    }

    /** Where the Send API delivers a message; {@code psid} is null for the phone number fallback. */
    public record ResolvedRecipient(ObjectNode sendApiRecipient, String psid) {
    }
}
