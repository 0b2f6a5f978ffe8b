package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.message.OutboundMessage;
import ai.joinchat.push.request.EmailNormalizer;
import ai.joinchat.push.request.PhoneNumberNormalizer;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.send.request.TagPolicy.TagDecision;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Validates the body of {@code POST /api/send_message} (contract section 3, "Request body")
 * and reports every problem at once, each with its JSON path; a valid body becomes a typed
 * {@link ValidatedSendRequest}, its message an {@code OutboundMessage}. Stateless and thread-safe.
 */
public record SendRequestValidator(TagPolicy tagPolicy) {

    static final int MAX_DELAY_SECONDS = 10;

    private static final Pattern DELAY_DIGITS = Pattern.compile("[0-9]{1,9}");
    private static final String DELAY_RULE =
            "must be a whole number of seconds from 0 to 10 (a JSON integer or a string of digits)";
    private static final PhoneNumberNormalizer PHONE_NUMBERS = new PhoneNumberNormalizer();
    private static final RecipientRules RECIPIENTS = new RecipientRules(PHONE_NUMBERS, new EmailNormalizer());
    private static final TemplateRules MESSAGES = new TemplateRules(PHONE_NUMBERS);

    /** Every violation found, or the validated request (present exactly when there are none). */
    public record ValidationResult(List<FieldProblem> violations, Optional<ValidatedSendRequest> request) {

        public ValidationResult {
            violations = List.copyOf(violations);
            Objects.requireNonNull(request, "request");
            if (violations.isEmpty() == request.isEmpty()) {
                throw new IllegalArgumentException("a result has either violations or a request, not both or neither");
            }
        }

        static ValidationResult valid(ValidatedSendRequest request) {
            return new ValidationResult(List.of(), Optional.of(request));
        }

        static ValidationResult invalid(List<FieldProblem> violations) {
            return new ValidationResult(violations, Optional.empty());
        }
    }

    public SendRequestValidator {
        Objects.requireNonNull(tagPolicy, "tagPolicy");
    }

    public ValidationResult validate(JsonNode body) {
        if (body == null || !body.isObject()) {
            return ValidationResult.invalid(List.of(new FieldProblem("", "the request body must be a JSON object")));
        }
        ObjectFields root = new ObjectFields(body, "", new ArrayList<>(), new ArrayList<>());

        Optional<String> pageId = pageId(root);
        Optional<Recipient> recipient = RECIPIENTS.validate(root);
        OutboundMessage message = MESSAGES.validate(root);
        TagDecision tag = tagPolicy.decideField(body.get("tag"));
        tag.violation().ifPresent(root.violations()::add);
        root.warnings().addAll(tag.warnings());
        OptionalInt delay = delay(root);

        if (!root.violations().isEmpty()) {
            return ValidationResult.invalid(root.violations());
        }
        return ValidationResult.valid(new ValidatedSendRequest(
                pageId.orElseThrow(),
                recipient.orElseThrow(),
                message,
                tag.messagingType(),
                tag.tag(),
                delay.orElseThrow(),
                root.warnings()));
    }

    private static Optional<String> pageId(ObjectFields root) {
        JsonNode node = root.get("page_id");
        Optional<String> pageId = RecipientRules.facebookId(node);
        if (pageId.isEmpty()) {
            root.violation("page_id", node == null ? "is required: the page id, digits as a string or integer"
                    : "must be 1-32 digits, as a string or integer");
        }
        return pageId;
    }

    private static OptionalInt delay(ObjectFields root) {
        JsonNode value = root.get("delay");
        if (value == null) {
            return OptionalInt.of(0);
        }
        BigInteger seconds = null;
        if (value.isIntegralNumber()) {
            seconds = value.bigIntegerValue();
        } else if (value.isTextual() && DELAY_DIGITS.matcher(value.textValue()).matches()) {
            seconds = new BigInteger(value.textValue());
        }
        if (seconds == null || seconds.signum() < 0 || seconds.compareTo(BigInteger.valueOf(MAX_DELAY_SECONDS)) > 0) {
            root.violation("delay", DELAY_RULE);
            return OptionalInt.empty();
        }
        return OptionalInt.of(seconds.intValueExact());
    }
}
