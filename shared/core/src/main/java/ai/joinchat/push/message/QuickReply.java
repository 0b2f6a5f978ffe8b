package ai.joinchat.push.message;

/**
 * A quick reply: a {@code text} reply of the developer's, or an offer for the user to share
 * their own phone number or e-mail address, which Messenger fills in itself.
 */
public sealed interface QuickReply {

    /** The contract's (and Messenger's) {@code content_type}. */
    default String contentType() {
        return this instanceof Text ? "text" : this instanceof UserPhoneNumber ? "user_phone_number" : "user_email";
    }

    /** A reply with the developer's {@code payload}; {@code imageUrl} is null when absent. */
    record Text(String title, String payload, String imageUrl) implements QuickReply {
    }

    record UserPhoneNumber() implements QuickReply {
    }

    record UserEmail() implements QuickReply {
    }
}
