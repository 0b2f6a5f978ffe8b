package ai.joinchat.push.send.request;

import java.util.Objects;

/** One problem found in a request: its {@link FieldPath} (empty for the body) and a lower-case reason. */
public record Violation(String field, String reason) {

    public Violation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }
}
