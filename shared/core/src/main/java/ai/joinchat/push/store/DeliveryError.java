package ai.joinchat.push.store;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Why a delivery failed (the last failure while it is still being retried). */
public record DeliveryError(String code, Integer subcode, String message, boolean retryable) {

    /**
     * Into {@code node} as the contract shows it (section 4, and section 8's callbacks): the code a
     * string, Facebook's numeric one also as {@code graph_code}, {@code subcode} null when absent.
     */
    public ObjectNode writeTo(ObjectNode node) {
        node.put("code", code);
        if (code != null && code.matches("\\d{1,9}")) {
            node.put("graph_code", Integer.parseInt(code));
        }
        if (subcode == null) {
            node.putNull("subcode");
        } else {
            node.put("subcode", subcode);
        }
        return node.put("message", message).put("retryable", retryable);
    }
}
