package ai.joinchat.push.testing;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.store.Lifecycle;
import ai.joinchat.push.store.Lifecycle.Guard;
import ai.joinchat.push.store.Inputs;
import ai.joinchat.push.store.Lifecycle.Transition;
import ai.joinchat.push.store.Lifecycle.Write;
import ai.joinchat.push.store.LifecycleStore;
import ai.joinchat.push.store.MessageItem;
import ai.joinchat.push.store.MessageRecord;
import ai.joinchat.push.store.MessageRecords;
import ai.joinchat.push.store.MessageStatus;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link MessageRecords} in memory for unit tests of the functions: every transition runs its
 * {@link Lifecycle} declaration (from-states, guards, writes) on an item as DynamoDB would, the
 * items mapped as {@link MessageItem} maps them. {@link #failing} names operations that throw as
 * if DynamoDB were down. The webhook's calls (echo, delivery and read receipts) are also written
 * to {@link #calls}, and the receipts only recorded there: they answer as if every id (or one
 * record) moved.
 */
public class InMemoryMessageRecords extends LifecycleStore {

    /** Every webhook-side operation, for {@code failing.addAll(WEBHOOK_OPERATIONS)}. */
    public static final List<String> WEBHOOK_OPERATIONS = List.of("echoTargets", "confirmByEcho", "stampByEcho",
            "markDelivered", "markDeliveredUpTo", "markReadUpTo");
    private static final Duration RETENTION = Duration.ofDays(30);

    private final Map<String, Map<String, AttributeValue>> items = new ConcurrentHashMap<>();
    /** Operations ("createPending", "commit", "reject", "claim", "markSent", ...) that throw as if DynamoDB were down. */
    public final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** The webhook's writes, in order: "confirmed page message at-millis", "delivered page [mids]", ... */
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    /** The start of the Send API call each message was recorded sent with ({@code MARK_SENT}). */
    public final Map<String, Instant> sendStarts = new ConcurrentHashMap<>();
    /** The echoes recorded on their messages ({@link #confirmByEcho}, {@link #stampByEcho}), by message id. */
    public final Map<String, Echo> echoes = new ConcurrentHashMap<>();

    public InMemoryMessageRecords() {
        super(RETENTION);
    }

    private void check(String operation) {
        if (failing.contains(operation)) {
            throw new DependencyUnavailableException("DynamoDB", new RuntimeException("down"));
        }
    }

    /** The transition's conditional write, on the item in memory; fails as {@code commit}, {@code markSent}, ... */
    @Override
    protected synchronized Written write(Transition transition, String messageId, Inputs in, Deadline deadline) {
        check(operation(transition));
        Map<String, AttributeValue> item = items.get(messageId);
        boolean allowed = item == null ? transition.fromAbsent
                : transition.from.contains(MessageStatus.fromWireName(MessageItem.str(item, MessageItem.STATUS)))
                && transition.guards.stream().allMatch(guard -> holds(guard, item, in));
        Map<String, AttributeValue> before = item == null ? Map.of() : Map.copyOf(item);
        if (!allowed) {
            return new Written.Refused(transition.returnsOld ? before : Map.of());
        }
        Map<String, AttributeValue> after = new HashMap<>(before);
        after.put(MessageItem.MESSAGE_ID, AttributeValue.fromS(messageId));
        if (transition.to != null) {
            after.put(MessageItem.STATUS, AttributeValue.fromS(transition.to.wireName()));
        }
        transition.writes.forEach(write -> apply(write, after, in));
        items.put(messageId, after);
        return new Written.Applied(transition.returnsOld ? before : Map.of());
    }

    /** MARK_SENT is "markSent": the name of the {@link MessageRecords} method that runs it. */
    private static String operation(Transition transition) {
        StringBuilder name = new StringBuilder();
        for (String word : transition.name().toLowerCase().split("_")) {
            name.append(name.length() == 0 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        return name.toString();
    }

    private static boolean holds(Guard guard, Map<String, AttributeValue> item, Inputs in) {
        return switch (guard) {
            case LEASE_EXPIRED -> !MessageStatus.SENDING.wireName().equals(MessageItem.str(item, MessageItem.STATUS))
                    || (item.containsKey(MessageItem.LEASE_UNTIL)
                    && MessageItem.number(item, MessageItem.LEASE_UNTIL) < in.now().toEpochMilli());
            case SAME_PAGE -> Objects.equals(in.pageId(), MessageItem.str(item, MessageItem.PAGE_ID));
            case SAME_PSID -> in.psid() == null || in.psid().equals(MessageItem.str(item, MessageItem.PSID));
            case RESENDABLE -> item.containsKey(MessageItem.RESEND_BODY) && !item.containsKey(MessageItem.UNCONFIRMED);
            case COPY_AWAITED -> item.containsKey(MessageItem.REFUSED) && !item.containsKey(MessageItem.UNCONFIRMED)
                    && !item.containsKey(MessageItem.RESEND_BODY);
            case NOT_ECHOED -> !item.containsKey(MessageItem.ECHOED_AT);
            case SENT_AT_NOT_AFTER_ECHO -> !item.containsKey(MessageItem.SENT_AT)
                    || MessageItem.number(item, MessageItem.SENT_AT) <= in.sentAt().toEpochMilli();
            case REACHED_BY_WATERMARK -> in.watermark() == null || Optional.ofNullable(MessageItem.number(item, MessageItem.FACEBOOK_SENT_AT))
                    .orElse(MessageItem.number(item, MessageItem.SENT_AT)) <= in.watermark();
            case NOT_RESENDING -> !MessageStatus.PENDING.wireName().equals(MessageItem.str(item, MessageItem.STATUS))
                    || !item.containsKey(MessageItem.RESEND_BODY);
        };
    }

    private static void apply(Write write, Map<String, AttributeValue> item, Inputs in) {
        Object value = write.input() == null ? null : write.input().of(in);
        String attribute = write.attribute();
        switch (write.op()) {
            case SET -> {
                if (value != null) {
                    item.put(attribute, MessageItem.value(value));
                }
            }
            case SET_IF_ABSENT -> {
                if (value != null && !item.containsKey(attribute)) {
                    item.put(attribute, MessageItem.value(value));
                }
            }
            case INCREMENT -> item.put(attribute, MessageItem.value(Optional.ofNullable(
                    MessageItem.number(item, attribute)).orElse(0L) + 1));
            case REMOVE -> item.remove(attribute);
        }
    }

    @Override
    public synchronized void createPending(MessageRecord record, Deadline deadline) {
        check("createPending");
        items.putIfAbsent(record.messageId(), MessageItem.of(record, RETENTION));
    }

    @Override
    public Optional<MessageRecord> find(String messageId, Deadline deadline) {
        check("find");
        return Optional.ofNullable(items.get(messageId)).map(MessageItem::toRecord);
    }

    public Optional<MessageRecord> find(String messageId) {
        return find(messageId, Deadline.none());
    }

    public MessageRecord get(String messageId) {
        return Optional.ofNullable(items.get(messageId)).map(MessageItem::toRecord).orElseThrow();
    }

    public void put(MessageRecord record) {
        items.put(record.messageId(), MessageItem.of(record, RETENTION));
    }

    /** A record the send API committed (queued) for a PSID, as if SQS took the message. */
    public void putQueued(String pageId, String messageId) {
        Instant now = Instant.now();
        put(MessageRecord.pending(messageId, pageId, new Recipient(RecipientType.ID, "24681357"), "text", List.of(),
                now, now.plusSeconds(10)));
        commit(messageId, Deadline.none());
    }

    @Override
    public boolean run(Transition transition, String messageId, Inputs in, Deadline deadline) {
        if (transition == Transition.MARK_SENT) {
            check("markSent");
            sendStarts.put(messageId, in.sentAt());
        }
        return super.run(transition, messageId, in, deadline);
    }

    @Override
    public boolean confirmByEcho(Echo echo, Deadline deadline) {
        check("confirmByEcho");
        calls.add("confirmed " + echo.pageId() + " " + echo.messageId() + " " + echo.timestamp());
        return recorded(echo, super.confirmByEcho(echo, deadline));
    }

    @Override
    public boolean stampByEcho(Echo echo, Deadline deadline) {
        check("stampByEcho");
        calls.add("stamped " + echo.pageId() + " " + echo.messageId() + " " + echo.timestamp());
        return recorded(echo, super.stampByEcho(echo, deadline));
    }

    private boolean recorded(Echo echo, boolean written) {
        if (written) {
            echoes.put(echo.messageId(), echo);
        }
        return written;
    }

    /** This page's records among the ids, with their status; their echo counts as recorded once {@code echoedAt} is set. */
    @Override
    public synchronized Map<String, EchoTarget> echoTargets(String pageId, Collection<String> messageIds,
                                                            Deadline deadline) {
        check("echoTargets");
        Map<String, EchoTarget> targets = new LinkedHashMap<>();
        for (String id : messageIds) {
            Map<String, AttributeValue> item = items.get(id);
            MessageRecord r = item == null ? null : MessageItem.toRecord(item);
            if (r != null && pageId.equals(r.pageId())) {
                targets.put(id, new EchoTarget(r.status(), r.echoedAt() != null));
            }
        }
        return targets;
    }

    /** Recorded as "delivered page [mids]" (as if every id moved), then "delivered-up-to page psid watermark" (one). */
    @Override
    public int markDeliveryReceipt(String pageId, String psid, Collection<String> facebookMessageIds,
                                   Long watermarkMillis, Instant at, Deadline deadline) {
        int moved = 0;
        if (!facebookMessageIds.isEmpty()) {
            check("markDelivered");
            calls.add("delivered " + pageId + " " + facebookMessageIds);
            moved += facebookMessageIds.size();
        }
        if (watermarkMillis != null) {
            check("markDeliveredUpTo");
            calls.add("delivered-up-to " + pageId + " " + psid + " " + watermarkMillis);
            moved++;
        }
        return moved;
    }

    @Override
    public int markReadUpTo(String pageId, String psid, long watermarkMillis, Instant at, Deadline deadline) {
        check("markReadUpTo");
        calls.add("read-up-to " + pageId + " " + psid + " " + watermarkMillis);
        return 1;
    }
}
