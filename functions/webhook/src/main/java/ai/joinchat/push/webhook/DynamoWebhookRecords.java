package ai.joinchat.push.webhook;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;
import ai.joinchat.push.store.DynamoBatch;
import ai.joinchat.push.store.StoredFields;
import ai.joinchat.push.webhook.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.WebhookEvent.MessageEcho;
import ai.joinchat.push.webhook.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.WebhookEvent.Read;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import ai.joinchat.push.webhook.WebhookEventProcessor.Outcome;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link WebhookRecords} in {@code WEBHOOK_EVENTS_TABLE} (hash {@code page_id}, range {@code event_key}), expiring
 * through the {@code expires_at} TTL; stored fields are bounded ({@link StoredFields}). A request DynamoDB refuses as
 * invalid ({@code ValidationException}: one invalid item fails it all) is retried item by item, so one poison item
 * costs only itself; any other refusal (access, table, credentials) fails the call. A put of the same key replaces
 * the identical record: redelivery is harmless (only {@code recorded_at} and {@code expires_at} move).
 */
public record DynamoWebhookRecords(DynamoDbClient dynamo, String table, Duration retention, Clock clock)
        implements WebhookRecords {

    @Override
    public Outcome record(List<WebhookEvent> events, Deadline deadline) {
        Instant now = clock.instant();
        // BatchWriteItem rejects a request that names one key twice: keep one item per key.
        Map<String, Pending> byKey = new LinkedHashMap<>();
        events.stream().filter(this::stores).forEach(event -> event.eventKey().ifPresent(key ->
                byKey.putIfAbsent(event.pageId() + '\n' + key, new Pending(event, item(event, key, now)))));
        List<Pending> requests = new ArrayList<>(byKey.values());
        List<Rejected> rejected = new ArrayList<>();
        for (int i = 0; i < requests.size(); i += REQUEST_EVENTS) {
            rejected.addAll(write(requests.subList(i, Math.min(requests.size(), i + REQUEST_EVENTS)), deadline));
        }
        return Outcome.recorded(requests.size() - rejected.size(), rejected);
    }

    private record Pending(WebhookEvent event, Map<String, AttributeValue> item) {
    }

    /**
     * Receipts are not stored as events: all they say is the status and time they give the
     * messages they move, which the message records carry (and nothing reads a receipt item), so
     * storing them would be two more writes per message for nothing.
     */
    @Override
    public boolean stores(WebhookEvent event) {
        return !(event instanceof Delivery) && !(event instanceof Read);
    }

    public Map<String, AttributeValue> item(WebhookEvent event, String eventKey, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("page_id", AttributeValue.fromS(event.pageId()));
        item.put("event_key", AttributeValue.fromS(eventKey));
        item.put("kind", AttributeValue.fromS(event.kind().wireName()));
        item.put("channel", AttributeValue.fromS(event.channel().fieldName()));
        item.put("timestamp", number(event.timestamp()));
        item.put("recorded_at", AttributeValue.fromS(now.toString()));
        item.put("expires_at", number(now.plus(retention).getEpochSecond()));
        putFieldsOfKind(item, event);
        return item;
    }

    private static void putFieldsOfKind(Map<String, AttributeValue> item, WebhookEvent event) {
        if (event instanceof MessageEcho echo) {
            put(item, "psid", echo.psid());
            put(item, "mid", echo.mid());
            StoredFields.text(item, "app_id", echo.appId(), StoredFields.VALUE_MAX_BYTES);
            StoredFields.text(item, "metadata", echo.metadata(), StoredFields.VALUE_MAX_BYTES);
            StoredFields.text(item, "text", echo.text(), StoredFields.TEXT_MAX_BYTES);
            StoredFields.json(item, "attachments", echo.attachmentsJson());
        } else if (event instanceof Referral referral) {
            putReferral(item, referral);
        } else if (event instanceof OptIn optIn) {
            put(item, "psid", optIn.psid());
            put(item, "user_ref", optIn.userRef());
            StoredFields.text(item, "ref", optIn.ref(), StoredFields.VALUE_MAX_BYTES);
        } else if (event instanceof QuickReply quickReply) {
            put(item, "psid", quickReply.psid());
            put(item, "mid", quickReply.mid());
            StoredFields.text(item, "payload", quickReply.payload(), StoredFields.VALUE_MAX_BYTES);
        }
    }

    private static void putReferral(Map<String, AttributeValue> item, Referral referral) {
        put(item, "via", referral.viaPostback() ? "postback" : "referral");
        put(item, "psid", referral.psid());
        put(item, "user_ref", referral.userRef());
        StoredFields.text(item, "ref", referral.ref(), StoredFields.VALUE_MAX_BYTES);
        StoredFields.text(item, "source", referral.source(), StoredFields.VALUE_MAX_BYTES);
        StoredFields.text(item, "type", referral.type(), StoredFields.VALUE_MAX_BYTES);
        StoredFields.text(item, "ad_id", referral.adId(), StoredFields.VALUE_MAX_BYTES);
        StoredFields.text(item, "referer_uri", referral.refererUri(), StoredFields.VALUE_MAX_BYTES);
        if (referral.isGuestUser() != null) {
            item.put("is_guest_user", AttributeValue.fromBool(referral.isGuestUser()));
        }
        StoredFields.json(item, "ads_context_data", referral.adsContextDataJson());
    }

    /** Writes one batch; returns the events DynamoDB refused as invalid items (see the class note). */
    private List<Rejected> write(List<Pending> batch, Deadline deadline) {
        try {
            DynamoBatch.put(dynamo, table, batch.stream().map(Pending::item).toList(), deadline, "webhook records");
            return List.of();
        } catch (DependencyUnavailableException e) {
            if (!SdkFailures.invalidRequest(e)) {
                throw e; // transient, or the deployment's (access, table, credentials): Facebook redelivers
            }
        }
        List<Rejected> rejected = new ArrayList<>();
        for (Pending pending : batch) {
            try {
                SdkFailures.run("DynamoDB",
                        () -> dynamo.putItem(r -> r.tableName(table).item(pending.item())
                                .overrideConfiguration(SdkFailures.within(deadline, "DynamoDB"))));
            } catch (DependencyUnavailableException failure) {
                rejected.addAll(Outcome.ofFailure(List.of(pending.event()), failure).skipped());
            }
        }
        return rejected;
    }

    private static void put(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, AttributeValue.fromS(value));
        }
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
