package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** How a request's {@code tag} is sent to Messenger ({@code tag} null when none is sent). */
public record TagDecision(String messagingType, String tag, List<String> warnings, Optional<FieldProblem> violation) {

    public static final String UPDATE = "UPDATE";
    public static final String MESSAGE_TAG = "MESSAGE_TAG";

    public TagDecision {
        Objects.requireNonNull(messagingType, "messagingType");
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(violation, "violation");
    }

    static TagDecision untagged(List<String> warnings) {
        return new TagDecision(UPDATE, null, warnings, Optional.empty());
    }

    static TagDecision tagged(String tag) {
        return new TagDecision(MESSAGE_TAG, tag, List.of(), Optional.empty());
    }

    static TagDecision invalid(FieldProblem violation) {
        return new TagDecision(UPDATE, null, List.of(), Optional.of(violation));
    }
}
