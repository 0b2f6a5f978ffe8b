package ai.joinchat.push.store;

/** Why a delivery failed (the last failure while it is still being retried). */
public record DeliveryError(String code, Integer subcode, String message, boolean retryable) {
}
