package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import java.util.ArrayList;
import java.util.List;

/** Violations and warnings gathered while validating one request (not thread-safe, one per request). */
final class Findings {

    private final List<FieldProblem> violations = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    void violation(FieldPath path, String reason) {
        violations.add(new FieldProblem(path.value(), reason));
    }

    void violation(FieldProblem violation) {
        violations.add(violation);
    }

    void warning(String warning) {
        warnings.add(warning);
    }

    void warnings(List<String> more) {
        warnings.addAll(more);
    }

    int violationCount() {
        return violations.size();
    }

    List<FieldProblem> violations() {
        return List.copyOf(violations);
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }
}
