package ai.joinchat.push.worker.pacing;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link PagePacing.Store} as one item per page ({@code state_key = "pace"}) in the contact state
 * table. A reservation is one conditional {@code UpdateItem} without a read
 * ({@code next_us += interval_us} while the slot is ahead, else {@code now + interval_us});
 * DynamoDB serialises writes to the item, so every container gets a distinct slot.
 */
public record DynamoPaceStore(DynamoDbClient dynamo, String table) implements PagePacing.Store {

    static final String STATE_KEY = "pace";
    /** The item outlives its pacing by this much (its rate is the starting point of the next). */
    static final Duration KEPT_FOR = Duration.ofDays(1);
    private static final int ROUNDS = 3;

    @Override
    public Optional<Instant> reserve(String pageId, Instant now, Deadline deadline) {
        Map<String, AttributeValue> values = Map.of(":now", n(now.toEpochMilli()), ":now_us", n(PagePacing.micros(now)));
        for (int round = 0; round < ROUNDS; round++) {
            Optional<Map<String, AttributeValue>> ahead = update(deadline, pageId,
                    "SET next_us = next_us + interval_us", "paced_until > :now AND next_us >= :now_us", values,
                    ReturnValue.UPDATED_OLD);
            if (ahead.isPresent()) {
                return Optional.of(PagePacing.ofMicros(Long.parseLong(ahead.get().get("next_us").n())));
            }
            if (update(deadline, pageId, "SET next_us = :now_us + interval_us",
                    "paced_until > :now AND next_us < :now_us", values, ReturnValue.NONE).isPresent()) {
                return Optional.of(now);
            }
            Map<String, AttributeValue> item = read(deadline, pageId);
            if (!paced(item, now)) {
                return Optional.empty();
            }
        }
        // Lost every race against other containers' reservations: the page is busy; come back after a slot's time.
        return Optional.of(now.plusSeconds(1));
    }

    @Override
    public double throttled(String pageId, double ratePerSecond, Instant notBefore, Instant pacedUntil, Instant now,
                            Deadline deadline) {
        Map<String, AttributeValue> item = read(deadline, pageId);
        long interval = item.containsKey("interval_us") ? Long.parseLong(item.get("interval_us").n())
                : PagePacing.intervalMicros(PagePacing.DEFAULT_RATE);
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":now", n(now.toEpochMilli()));
        values.put(":until", n(pacedUntil.toEpochMilli()));
        values.put(":expires", n(pacedUntil.plus(KEPT_FOR).getEpochSecond()));
        long start = ratePerSecond > 0 ? PagePacing.intervalMicros(ratePerSecond) : interval;
        if (!paced(item, now) && startPacing(pageId, start, notBefore, values, deadline)) {
            return 1_000_000.0 / start;
        }
        // Paced already: slow down (PagePacing.DECREASE), at most once every DECREASE_EVERY, and stay paced longer.
        long slower = PagePacing.slower(interval);
        values.put(":decreased_before", n(now.minus(PagePacing.DECREASE_EVERY).toEpochMilli()));
        values.put(":old_interval", n(interval));
        values.put(":slower", n(slower));
        if (update(deadline, pageId,
                "SET interval_us = :slower, halved_at = :now, paced_until = :until, expires_at = :expires",
                "paced_until > :now AND halved_at <= :decreased_before AND interval_us = :old_interval", values,
                ReturnValue.NONE).isPresent()) {
            interval = slower;
        } else {
            update(deadline, pageId, "SET paced_until = :until, expires_at = :expires", "paced_until < :until",
                    Map.of(":until", values.get(":until"), ":expires", values.get(":expires")), ReturnValue.NONE);
        }
        if (notBefore.isAfter(now)) {
            update(deadline, pageId, "SET next_us = :not_before", "next_us < :not_before",
                    Map.of(":not_before", n(PagePacing.micros(notBefore))), ReturnValue.NONE);
        }
        return 1_000_000.0 / interval;
    }

    /** The page's first throttle: paced from {@code start} (µs between sends), unless another container was first. */
    private boolean startPacing(String pageId, long start, Instant notBefore, Map<String, AttributeValue> values,
                                Deadline deadline) {
        Map<String, AttributeValue> first = new HashMap<>(values);
        first.put(":interval", n(start));
        first.put(":next", n(PagePacing.micros(notBefore) + start));
        return update(deadline, pageId, "SET interval_us = :interval, next_us = :next, paced_until = :until, "
                        + "halved_at = :now, expires_at = :expires",
                "attribute_not_exists(paced_until) OR paced_until <= :now", first, ReturnValue.NONE).isPresent();
    }

    private static boolean paced(Map<String, AttributeValue> item, Instant now) {
        AttributeValue until = item.get("paced_until");
        return until != null && Long.parseLong(until.n()) > now.toEpochMilli();
    }

    private Map<String, AttributeValue> read(Deadline deadline, String pageId) {
        return SdkFailures.call("DynamoDB", () -> {
            var response = dynamo.getItem(r -> r.tableName(table).key(key(pageId)).consistentRead(true)
                    .overrideConfiguration(SdkFailures.within(deadline, "DynamoDB")));
            return response.hasItem() ? response.item() : Map.<String, AttributeValue>of();
        });
    }

    /** The updated attributes asked for (an empty map for none), or empty when the condition failed. */
    private Optional<Map<String, AttributeValue>> update(Deadline deadline, String pageId, String update,
                                                         String condition, Map<String, AttributeValue> values,
                                                         ReturnValue returns) {
        return SdkFailures.call("DynamoDB", () -> {
            try {
                var response = dynamo.updateItem(r -> r.tableName(table).key(key(pageId)).updateExpression(update)
                        .conditionExpression(condition).expressionAttributeValues(values).returnValues(returns)
                        .overrideConfiguration(SdkFailures.within(deadline, "DynamoDB")));
                return Optional.of(response.hasAttributes() ? response.attributes() : Map.of());
            } catch (ConditionalCheckFailedException e) {
                return Optional.empty();
            }
        });
    }

    private static Map<String, AttributeValue> key(String pageId) {
        return Map.of("page_id", AttributeValue.fromS(pageId), "state_key", AttributeValue.fromS(STATE_KEY));
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
