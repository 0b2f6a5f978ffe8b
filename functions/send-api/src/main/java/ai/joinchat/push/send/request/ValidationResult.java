package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Every violation found, or the validated request (present exactly when there are none). */
public record ValidationResult(List<FieldProblem> violations, Optional<ValidatedSendRequest> request) {

    public ValidationResult {
        violations = List.copyOf(violations);
        Objects.requireNonNull(request, "request");
        if (violations.isEmpty() == request.isEmpty()) {
            throw new IllegalArgumentException("a result has either violations or a request, not both or neither");
        }
    }

    public static ValidationResult valid(ValidatedSendRequest request) {
        return new ValidationResult(List.of(), Optional.of(request));
    }

    public static ValidationResult invalid(List<FieldProblem> violations) {
        return new ValidationResult(violations, Optional.empty());
    }
}
