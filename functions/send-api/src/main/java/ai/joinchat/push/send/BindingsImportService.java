package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.http.ErrorCode;
import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.http.HttpApiResponse;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.observability.Metrics;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.send.SignedRequestAuthenticator.AuthenticatedRequest;
import ai.joinchat.push.send.request.SendRequestValidator;
import ai.joinchat.push.send.store.DynamoIdempotencyKeys;
import ai.joinchat.push.send.store.DynamoIdempotencyKeys.ImportClaim;
import ai.joinchat.push.store.ContactBindings;
import ai.joinchat.push.store.ContactBindings.ImportedBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /api/bindings} (contract section 4b, docs/api.md#importing-bindings-post-apibindings):
 * a page owner brings the uuid / phone / email → PSID mappings it already has, each normalised like
 * a send's recipient and checked on its own. A repeat of a timestamped import inside the window gets
 * the first one's answer and writes nothing, so a captured import never overwrites newer bindings.
 */
public record BindingsImportService(ContactBindings bindings, Clock clock, JsonLogger log, Metrics metrics,
                                    DynamoIdempotencyKeys replays) {

    public static final String PATH = "/api/bindings";
    public static final int MAX_BINDINGS = 100;

    private static final List<RecipientType> CONTACT_TYPES =
            List.of(RecipientType.UUID, RecipientType.PHONE, RecipientType.EMAIL);

    /**
     * @throws ai.joinchat.push.DependencyUnavailableException when DynamoDB fails, or the import cannot
     *         finish by the deadline (some bindings may be written: the same import again is safe)
     */
    public HttpApiResponse handle(AuthenticatedRequest auth, Deadline deadline) {
        String pageId = auth.pageId();
        JsonNode items = auth.body().get("bindings");
        if (items == null || !items.isArray() || items.isEmpty() || items.size() > MAX_BINDINGS) {
            metrics.count("RequestsRejected", 1);
            String found = items == null ? "none" : items.isArray() ? items.size() + " bindings" : "a " + items.getNodeType();
            return HttpApiResponse.error(ErrorCode.INVALID_REQUEST, "The request is invalid.", List.of(
                    new FieldProblem("bindings", "must be an array of 1-" + MAX_BINDINGS
                            + " objects {\"psid\", and one of \"uuid\", \"phone\", \"email\"} (found " + found + ")")));
        }
        List<ImportedBinding> accepted = new ArrayList<>();
        ArrayNode rejected = readAll(items, accepted);
        Optional<String> replayKey = accepted.isEmpty() ? Optional.empty() : auth.replayKey();
        if (replayKey.isPresent()) {
            Optional<HttpApiResponse> answered = answeredBefore(pageId, replayKey.get(), deadline);
            if (answered.isPresent()) {
                return answered.get();
            }
        }
        return imported(pageId, accepted, rejected, replayKey, deadline);
    }

    /** Reads every binding into {@code accepted}; answers the rejected ones with their index and reason. */
    private ArrayNode readAll(JsonNode items, List<ImportedBinding> accepted) {
        ArrayNode rejected = Json.MAPPER.createArrayNode();
        Map<String, Integer> firstIndexOfContact = new HashMap<>();
        for (int index = 0; index < items.size(); index++) {
            Read read = read(items.get(index), index, firstIndexOfContact);
            if (read instanceof Valid valid) {
                accepted.add(valid.binding());
            } else {
                rejected.addObject().put("index", index).put("reason", ((Invalid) read).reason());
            }
        }
        return rejected;
    }

    /** The answer of this request made before (a replay), or empty when this is its first time. */
    private Optional<HttpApiResponse> answeredBefore(String pageId, String replayKey, Deadline deadline) {
        ImportClaim claim = replays.claimImport(pageId, replayKey, clock.instant(), deadline);
        if (claim instanceof ImportClaim.Taken) {
            return Optional.empty();
        }
        metrics.count("ReplaysAnswered", 1);
        log.info("idempotent_replay").with("path", PATH).with("page_id", pageId)
                .with("answered", claim instanceof ImportClaim.Answered).write();
        return Optional.of(claim instanceof ImportClaim.Answered answered
                ? new HttpApiResponse(answered.statusCode(), Map.of("content-type", "application/json"),
                        answered.body())
                : HttpApiResponse.error(ErrorCode.UNAVAILABLE,
                        "This request was made before and its outcome is not known; nothing was written. "
                                + "Sign it again with a new timestamp."));
    }

    private HttpApiResponse imported(String pageId, List<ImportedBinding> accepted, ArrayNode rejected,
                                     Optional<String> replayKey, Deadline deadline) {
        int imported = accepted.isEmpty() ? 0 : bindings.importBindings(pageId, accepted, clock.instant(), deadline);
        metrics.count("BindingsImported", imported);
        metrics.count("BindingsRejected", rejected.size());
        log.info("bindings_imported").with("page_id", pageId).with("imported", imported)
                .with("rejected", rejected.size()).write();
        ObjectNode answer = Json.object();
        answer.put("imported", imported);
        answer.set("rejected", rejected);
        HttpApiResponse response = HttpApiResponse.json(200, answer);
        if (replayKey.isPresent()) {
            try {
                replays.completeImport(pageId, replayKey.get(), response.statusCode(), response.body(), clock.instant(),
                        deadline);
            } catch (DependencyUnavailableException e) {
                // Its repeats then find the key unanswered: they still write nothing.
                log.warn("replay_answer_not_stored").with("path", PATH).with("page_id", pageId).with(e).write();
            }
        }
        return response;
    }

    /** One binding, or why it cannot be imported. */
    private sealed interface Read permits Valid, Invalid {
    }

    private record Valid(ImportedBinding binding) implements Read {
    }

    private record Invalid(String reason) implements Read {
    }

    /** The binding at {@code index}; a contact already at an earlier index is refused. */
    private Read read(JsonNode item, int index, Map<String, Integer> firstIndexOfContact) {
        if (item == null || !item.isObject()) {
            return new Invalid("must be an object with psid and exactly one of uuid, phone, email");
        }
        JsonNode psidNode = item.get("psid");
        if (psidNode == null || psidNode.isNull()) {
            return new Invalid("psid is required: the page-scoped user id, digits");
        }
        Optional<String> psid = SendRequestValidator.facebookId(psidNode);
        if (psid.isEmpty()) {
            return new Invalid("psid must be a page-scoped user id: 1-32 digits, as a string or integer");
        }
        List<RecipientType> given = CONTACT_TYPES.stream()
                .filter(type -> item.hasNonNull(type.wireName())).toList();
        if (given.size() != 1) {
            return new Invalid("needs exactly one of uuid, phone, email (found "
                    + (given.isEmpty() ? "none" : String.join(", ", given.stream().map(RecipientType::wireName).toList()))
                    + ")");
        }
        RecipientType type = given.get(0);
        JsonNode value = item.get(type.wireName());
        Optional<String> contact = SendRequestValidator.normalise(type, value);
        if (contact.isEmpty()) {
            return new Invalid(type.wireName() + " " + SendRequestValidator.rule(type, value));
        }
        ImportedBinding binding = new ImportedBinding(new Recipient(type, contact.get()).contactKey(), psid.get());
        Integer earlier = firstIndexOfContact.putIfAbsent(binding.contactKey(), index);
        return earlier == null ? new Valid(binding)
                : new Invalid("the same contact as bindings[" + earlier + "]; send one binding per contact");
    }
}
