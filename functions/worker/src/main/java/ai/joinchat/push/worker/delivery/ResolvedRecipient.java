package ai.joinchat.push.worker.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * Where the Send API delivers a message.
 *
 * @param sendApiRecipient {@code {"id": PSID}} or {@code {"phone_number": "+..."}}
 * @param psid             the PSID when known before sending, else null (phone number fallback)
 */
public record ResolvedRecipient(ObjectNode sendApiRecipient, String psid) {

    public ResolvedRecipient {
        Objects.requireNonNull(sendApiRecipient, "sendApiRecipient");
    }
}
