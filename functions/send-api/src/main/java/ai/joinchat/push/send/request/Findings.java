package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import java.util.ArrayList;
import java.util.List;

/** Violations and warnings gathered while validating one request (not thread-safe, one per request). */
record Findings(List<FieldProblem> violations, List<String> warnings) {

    Findings() {
        this(new ArrayList<>(), new ArrayList<>());
    }

    void violation(String path, String reason) {
        violations.add(new FieldProblem(path, reason));
    }

    void warning(String warning) {
        warnings.add(warning);
    }
}
