package ai.joinchat.push.message;

import ai.joinchat.push.message.OutboundMessage.UrlTarget;

/** A template button: {@code web_url}, {@code postback} or {@code phone_number}. */
public sealed interface Button {

    /** The button's label, 1-20 characters. */
    String title();

    /** {@code web_url}: opens {@code target}. */
    record WebUrl(String title, UrlTarget target) implements Button {
    }

    /** {@code postback}: sends {@code payload} (an object payload already serialised to its string) to the page. */
    record Postback(String title, String payload) implements Button {
    }

    /** {@code phone_number}: calls {@code number}, {@code +} and digits. */
    record PhoneNumber(String title, String number) implements Button {
    }
}
