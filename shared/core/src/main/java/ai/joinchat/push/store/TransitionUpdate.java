package ai.joinchat.push.store;

import ai.joinchat.push.store.Lifecycle.Guard;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.Lifecycle.Write;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static ai.joinchat.push.store.MessageItem.FACEBOOK_SENT_AT;
import static ai.joinchat.push.store.MessageItem.LEASE_UNTIL;
import static ai.joinchat.push.store.MessageItem.MESSAGE_ID;
import static ai.joinchat.push.store.MessageItem.PAGE_ID;
import static ai.joinchat.push.store.MessageItem.PSID;
import static ai.joinchat.push.store.MessageItem.SENT_AT;
import static ai.joinchat.push.store.MessageItem.STATUS;

/**
 * Turns one {@link Transition} into one conditional UpdateItem: the from-states and guards become
 * its condition, the writes its update, each value named once and only when used. Every
 * attribute is named through {@code #name}, so no attribute collides with a reserved word.
 */
final class TransitionUpdate {

    private final Map<String, String> names = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();
    private final Inputs in;

    private TransitionUpdate(Inputs in) {
        this.in = in;
    }

    static UpdateItemRequest request(String table, Transition transition, String messageId, Inputs in) {
        TransitionUpdate e = new TransitionUpdate(in);
        String update = e.update(transition);
        String condition = e.condition(transition);
        UpdateItemRequest.Builder request = UpdateItemRequest.builder().tableName(table).key(MessageItem.key(messageId))
                .updateExpression(update).conditionExpression(condition)
                .expressionAttributeNames(e.names).expressionAttributeValues(e.values);
        if (transition.returnsOld) {
            request.returnValues(ReturnValue.ALL_OLD)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        }
        return request.build();
    }

    private String name(String attribute) {
        names.put("#" + attribute, attribute);
        return "#" + attribute;
    }

    /** The input's placeholder, {@code :now_millis} for NOW_MILLIS, its value named for the request. */
    private String value(Lifecycle.Input input) {
        String placeholder = ":" + input.name().toLowerCase(Locale.ROOT);
        values.put(placeholder, MessageItem.value(input.of(in)));
        return placeholder;
    }

    private String status(MessageStatus status) {
        values.put(":" + status.wireName(), MessageItem.s(status.wireName()));
        return ":" + status.wireName();
    }

    private String update(Transition t) {
        List<String> set = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        if (t.to != null) {
            set.add(name(STATUS) + " = " + status(t.to));
        }
        for (Write w : t.writes) {
            if (w.op() == Lifecycle.Op.REMOVE) {
                remove.add(name(w.attribute()));
            } else if (w.input() == null || w.input().of(in) != null) {
                set.add(assignment(w));
            }
        }
        return (set.isEmpty() ? "" : "SET " + String.join(", ", set))
                + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
    }

    private String assignment(Write w) {
        String a = name(w.attribute());
        return switch (w.op()) {
            case SET -> a + " = " + value(w.input());
            case SET_IF_ABSENT -> a + " = if_not_exists(" + a + ", " + value(w.input()) + ")";
            case INCREMENT -> {
                values.put(":zero", MessageItem.value(0));
                values.put(":one", MessageItem.value(1));
                yield a + " = if_not_exists(" + a + ", :zero) + :one";
            }
            case REMOVE -> throw new IllegalStateException("a removal is no assignment");
        };
    }

    private String condition(Transition t) {
        List<String> states = t.from.stream().sorted(Comparator.naturalOrder()).map(this::status).toList();
        String status = name(STATUS) + " IN (" + String.join(", ", states) + ")";
        List<String> all = new ArrayList<>();
        all.add(t.fromAbsent ? "(attribute_not_exists(" + name(MESSAGE_ID) + ") OR " + status + ")" : status);
        for (Guard guard : t.guards) {
            String clause = guard(guard);
            if (clause != null) {
                all.add(clause);
            }
        }
        return String.join(" AND ", all);
    }

    /** The guard's clause; null when the inputs leave it out (a receipt that names no PSID). */
    private String guard(Guard guard) {
        return switch (guard) {
            case LEASE_EXPIRED -> "(" + name(STATUS) + " <> " + status(MessageStatus.SENDING) + " OR "
                    + name(LEASE_UNTIL) + " < " + value(Lifecycle.Input.NOW_MILLIS) + ")";
            case SAME_PAGE -> name(PAGE_ID) + " = " + value(Lifecycle.Input.PAGE);
            case SAME_PSID -> in.psid() == null ? null : name(PSID) + " = " + value(Lifecycle.Input.PSID);
            case RESENDABLE -> "attribute_exists(" + name(MessageItem.RESEND_BODY) + ") AND attribute_not_exists("
                    + name(MessageItem.UNCONFIRMED) + ")";
            case COPY_AWAITED -> "attribute_exists(" + name(MessageItem.REFUSED) + ") AND attribute_not_exists("
                    + name(MessageItem.UNCONFIRMED) + ") AND attribute_not_exists(" + name(MessageItem.RESEND_BODY) + ")";
            case NOT_ECHOED -> "attribute_not_exists(" + name(MessageItem.ECHOED_AT) + ")";
            case SENT_AT_NOT_AFTER_ECHO -> "(attribute_not_exists(" + name(SENT_AT) + ") OR " + name(SENT_AT) + " <= "
                    + value(Lifecycle.Input.SENT_AT) + ")";
            case REACHED_BY_WATERMARK -> in.watermark() == null ? null : "(" + name(FACEBOOK_SENT_AT) + " <= "
                    + value(Lifecycle.Input.WATERMARK) + " OR (attribute_not_exists(" + name(FACEBOOK_SENT_AT)
                    + ") AND " + name(SENT_AT) + " <= " + value(Lifecycle.Input.WATERMARK) + "))";
            case NOT_RESENDING -> "(" + name(STATUS) + " <> " + status(MessageStatus.PENDING) + " OR attribute_not_exists("
                    + name(MessageItem.RESEND_BODY) + "))";
        };
    }
}
