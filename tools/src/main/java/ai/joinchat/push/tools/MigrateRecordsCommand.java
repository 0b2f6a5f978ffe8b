package ai.joinchat.push.tools;

import ai.joinchat.push.aws.AwsClientFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code migrate-records} (see {@link #USAGE}): moves what earlier versions left in the Messages
 * table to the layout the functions read, so they need not read two layouts on every receipt and
 * status read. Every write is conditional on the item still being as the scan saw it, so it runs
 * safely beside live traffic, and a second run finds nothing to do.
 */
public final class MigrateRecordsCommand {

    static final String USAGE = """
            Usage: migrate-records --table <the stack's MessagesTable name> [--dry-run]
            Moves what versions before the by_recipient stages left in the Messages table to the
            layout this version reads:
              - a message under the first version's by_recipient partition <page>#<psid> moves to
                <page>#<psid>#d (sent), <page>#<psid>#r (delivered) or out of the index (read, or never
                sent); sent and delivered ones keep that version's 60 s slack on sent_at;
              - an echo recorded as its own item <message_id>#echo goes onto its message (echoed_at),
                and the item is deleted.
            Run it before deploying this version (the version it replaces reads both layouts), and
            once more right after, for anything written in between. Safe beside live traffic; a
            second run finds nothing to do. --dry-run only counts.
            Environment:
              AWS_REGION, AWS_PROFILE, ...   the standard AWS SDK settings
              AWS_ENDPOINT_URL_DYNAMODB      another endpoint, e.g. local mode's (its banner prints it)
            Permissions: dynamodb:Scan, UpdateItem and DeleteItem on the table.
            Exit status: 0 done, 2 bad usage, 3 DynamoDB failed (run it again: it starts over and
              skips what is done).
            """;

    /** How far the first version's sent_at (the worker's clock at Graph's reply) may be after Facebook's. */
    static final long FIRST_VERSION_SLACK_MILLIS = 60_000;
    private static final String ECHO_SUFFIX = "#echo";

    private final DynamoDbClient dynamo;
    private final PrintStream out;
    private final PrintStream err;

    MigrateRecordsCommand(DynamoDbClient dynamo, PrintStream out, PrintStream err) {
        this.dynamo = dynamo;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        Map<String, String> environment = PagesCommand.clientEnvironment(System.getenv(), "DYNAMODB");
        try (DynamoDbClient client = new AwsClientFactory(environment).dynamoDb()) {
            System.exit(new MigrateRecordsCommand(client, System.out, System.err).run(args));
        }
    }

    /** Runs the command; returns the process exit status. */
    int run(String[] args) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.print(USAGE);
            return 0;
        }
        boolean dryRun = args.length == 3 && args[2].equals("--dry-run");
        if (!(args.length == 2 || dryRun) || !args[0].equals("--table") || args[1].isBlank()) {
            err.print(USAGE);
            return 2;
        }
        try {
            Map<String, Integer> counts = migrate(args[1], dryRun);
            out.println((dryRun ? "to migrate: " : "migrated: ") + (counts.isEmpty() ? "nothing" : counts));
            return 0;
        } catch (SdkException e) {
            // The SDK's messages name the operation and the table, never an item's values.
            err.println("DynamoDB failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 3;
        }
    }

    /** One pass over the table: how many items of each kind were (or, dry, would be) moved. */
    Map<String, Integer> migrate(String table, boolean dryRun) {
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page = dynamo.scan(r -> r.tableName(table).exclusiveStartKey(from)
                    .filterExpression("attribute_not_exists(#status) OR attribute_exists(#key)")
                    .expressionAttributeNames(Map.of("#status", "status", "#key", "recipient_psid_key")));
            for (Map<String, AttributeValue> item : page.items()) {
                String kind = kind(item);
                if (kind != null && (dryRun || migrated(table, kind, item))) {
                    counts.merge(kind, 1, Integer::sum);
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return counts;
    }

    /** What the item needs: {@code echo item}, {@code awaiting delivery}, {@code awaiting read}, {@code unindexed}; null for nothing. */
    private static String kind(Map<String, AttributeValue> item) {
        String id = text(item, "message_id");
        String status = text(item, "status");
        String key = text(item, "recipient_psid_key");
        if (status == null) {
            return id != null && id.endsWith(ECHO_SUFFIX) ? "echo item" : null;
        }
        if (key == null || key.endsWith("#d") || key.endsWith("#r")) {
            return null;
        }
        return switch (status) {
            case "sent", "sending" -> "awaiting delivery";
            case "delivered" -> "awaiting read";
            default -> "unindexed";
        };
    }

    /** One conditional write (an echo item: onto its message, then deleted); false when the item changed meanwhile. */
    private boolean migrated(String table, String kind, Map<String, AttributeValue> item) {
        Map<String, String> names = new HashMap<>(Map.of("#status", "status"));
        Map<String, AttributeValue> values = new HashMap<>();
        String update;
        String condition;
        if (kind.equals("echo item")) {
            String id = text(item, "message_id");
            names.put("#echoed", "echoed_at");
            values.put(":echoed", item.get("echoed_at"));
            if (item.containsKey("echoed_at")) { // else, or when its message has one (or is gone), nothing to keep
                written(table, id.substring(0, id.length() - ECHO_SUFFIX.length()), "SET #echoed = :echoed",
                        "attribute_exists(#status) AND attribute_not_exists(#echoed)", names, values);
            }
            dynamo.deleteItem(r -> r.tableName(table).key(Map.of("message_id", item.get("message_id"))));
            return true;
        }
        names.put("#key", "recipient_psid_key");
        values.put(":legacy", item.get("recipient_psid_key"));
        values.put(":was", item.get("status"));
        condition = "#key = :legacy AND #status = :was";
        if (kind.equals("unindexed")) {
            update = "REMOVE #key";
        } else {
            values.put(":key", AttributeValue.fromS(text(item, "recipient_psid_key")
                    + (kind.equals("awaiting read") ? "#r" : "#d")));
            update = "SET #key = :key";
            if (item.containsKey("sent_at")) {
                names.put("#sent_at", "sent_at");
                values.put(":slack", AttributeValue.fromN(Long.toString(FIRST_VERSION_SLACK_MILLIS)));
                update += ", #sent_at = #sent_at - :slack";
            }
        }
        return written(table, text(item, "message_id"), update, condition, names, values);
    }

    private boolean written(String table, String messageId, String update, String condition, Map<String, String> names,
                            Map<String, AttributeValue> values) {
        try {
            dynamo.updateItem(r -> r.tableName(table).key(Map.of("message_id", AttributeValue.fromS(messageId)))
                    .updateExpression(update).conditionExpression(condition)
                    .expressionAttributeNames(names).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // moved by a receipt meanwhile, echoed already, or gone
        }
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }
}
