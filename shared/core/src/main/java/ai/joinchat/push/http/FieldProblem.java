package ai.joinchat.push.http;

/** One entry of an error's {@code details}: the JSON path of a field and what is wrong with it. */
public record FieldProblem(String field, String reason) {
}
