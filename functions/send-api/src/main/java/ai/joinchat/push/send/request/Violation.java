package ai.joinchat.push.send.request;

import java.util.Objects;

/**
 * One problem found in a request.
 *
 * @param field  JSON path of the offending field without a leading {@code $}, e.g.
 *               {@code message.elements[0].buttons[1].title}; empty for the body itself
 * @param reason what is wrong, in plain English, starting in lower case
 */
public record Violation(String field, String reason) {

    public Violation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }
}
