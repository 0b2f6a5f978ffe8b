package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.aws.SdkFailures;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link ContactBindings} in the DynamoDB table of {@code CONTACT_BINDINGS_TABLE} (page_id, contact). */
public record DynamoContactBindings(DynamoDbClient dynamo, String table, Clock clock) implements ContactBindings {

    private static final String PAGE_ID = "page_id";
    private static final String CONTACT = "contact";
    private static final String PSID = "psid";

    @Override
    public Optional<String> psidFor(String pageId, String contactKey) {
        Map<String, AttributeValue> item = SdkFailures.call("DynamoDB", () -> dynamo.getItem(r -> r.tableName(table)
                .key(Map.of(PAGE_ID, AttributeValue.fromS(pageId), CONTACT, AttributeValue.fromS(contactKey)))).item());
        return item == null || !item.containsKey(PSID) ? Optional.empty() : Optional.of(item.get(PSID).s());
    }

    @Override
    public boolean bind(String pageId, String contactKey, String psid, long eventTimestampMillis, String source,
                        boolean onlyIfUnbound, Deadline deadline) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":ts", AttributeValue.fromN(Long.toString(eventTimestampMillis)));
        if (onlyIfUnbound) {
            values.put(":psid", AttributeValue.fromS(psid));
        }
        String condition = onlyIfUnbound ? "attribute_not_exists(contact) OR (psid = :psid AND bound_at <= :ts)"
                : "attribute_not_exists(contact) OR bound_at <= :ts";
        try {
            SdkFailures.run("DynamoDB", () -> dynamo.putItem(r -> r.tableName(table)
                    .item(item(pageId, contactKey, psid, eventTimestampMillis, source, clock.instant()))
                    .conditionExpression(condition)
                    .expressionAttributeValues(values)
                    .overrideConfiguration(SdkFailures.within(deadline, "DynamoDB"))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Unconditional puts: an imported binding replaces whatever was there. */
    @Override
    public int importBindings(String pageId, List<ImportedBinding> bindings, Instant importedAt, Deadline deadline) {
        Set<String> contacts = new HashSet<>();
        for (ImportedBinding binding : bindings) {
            if (!contacts.add(binding.contactKey())) {
                throw new IllegalArgumentException("duplicate contact in one import: " + binding.contactKey());
            }
        }
        Instant updatedAt = clock.instant();
        DynamoBatch.put(dynamo, table, bindings.stream().map(binding -> item(pageId, binding.contactKey(),
                binding.psid(), importedAt.toEpochMilli(), "import", updatedAt)).toList(), deadline, "imported bindings");
        return bindings.size();
    }

    private static Map<String, AttributeValue> item(String pageId, String contactKey, String psid, long boundAt,
                                                    String source, Instant updatedAt) {
        return Map.of(PAGE_ID, AttributeValue.fromS(pageId), CONTACT, AttributeValue.fromS(contactKey),
                PSID, AttributeValue.fromS(psid), "bound_at", AttributeValue.fromN(Long.toString(boundAt)),
                "source", AttributeValue.fromS(source), "updated_at", AttributeValue.fromS(updatedAt.toString()));
    }
}
