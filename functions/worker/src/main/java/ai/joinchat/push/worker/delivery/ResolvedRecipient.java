package ai.joinchat.push.worker.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/** Where the Send API delivers a message; {@code psid} is null for the phone number fallback. */
public record ResolvedRecipient(ObjectNode sendApiRecipient, String psid) {

    public ResolvedRecipient {
        Objects.requireNonNull(sendApiRecipient, "sendApiRecipient");
    }
}
