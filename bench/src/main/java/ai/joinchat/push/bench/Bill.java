package ai.joinchat.push.bench;

import java.util.Locale;

/**
 * The whole bill per million messages, from what the lifecycle measured and a few stated
 * assumptions. On-demand list prices, us-east-1, arm64, without free tiers.
 *
 * @param apiRequests        HTTP API requests per message (the send and each webhook POST)
 * @param invocations        Lambda invocations per message, all functions
 * @param gbSeconds          Lambda GB-seconds per message at the template's memory size
 * @param sqsRequests        SQS requests per message, the event source's receives and deletes included
 * @param writeUnits         DynamoDB write request units billed per message, index writes included
 * @param readUnits          DynamoDB read request units billed per message
 * @param secretsCalls       Secrets Manager calls per message
 * @param logBytes           bytes of function log per message ingested by CloudWatch Logs
 * @param callbacks          the status callbacks' requests per message
 */
record Bill(double apiRequests, double invocations, double gbSeconds, double sqsRequests, double writeUnits,
            double readUnits, double secretsCalls, double logBytes, Callbacks callbacks) {

    /** The callbacks function's invocations (stream and queue batches), SQS requests, Secrets Manager calls and GB-s per message. */
    record Callbacks(double invocations, double sqsRequests, double secretsCalls, double gbSeconds) {
    }

    static final double HTTP_API_PER_MILLION = 1.00;
    static final double LAMBDA_REQUESTS_PER_MILLION = 0.20;
    static final double LAMBDA_ARM_PER_GB_SECOND = 0.0000133334;
    static final double SQS_PER_MILLION = 0.40;
    static final double WRITE_UNITS_PER_MILLION = 0.625;
    static final double READ_UNITS_PER_MILLION = 0.125;
    static final double SECRETS_PER_MILLION_CALLS = 5.00;
    static final double LOGS_PER_GB = 0.50;

    double apiGateway() {
        return apiRequests * HTTP_API_PER_MILLION;
    }

    double lambda() {
        return invocations * LAMBDA_REQUESTS_PER_MILLION + gbSeconds * LAMBDA_ARM_PER_GB_SECOND * 1e6;
    }

    double sqs() {
        return sqsRequests * SQS_PER_MILLION;
    }

    double dynamoDb() {
        return writeUnits * WRITE_UNITS_PER_MILLION + readUnits * READ_UNITS_PER_MILLION;
    }

    double secrets() {
        return secretsCalls * SECRETS_PER_MILLION_CALLS;
    }

    double logs() {
        return logBytes * 1e6 / (1 << 30) * LOGS_PER_GB;
    }

    double callbackRequests() {
        return callbacks.invocations() * LAMBDA_REQUESTS_PER_MILLION + callbacks.sqsRequests() * SQS_PER_MILLION
                + callbacks.secretsCalls() * SECRETS_PER_MILLION_CALLS + callbacks.gbSeconds() * LAMBDA_ARM_PER_GB_SECOND * 1e6;
    }

    double total() {
        return apiGateway() + lambda() + sqs() + dynamoDb() + secrets() + logs() + callbackRequests();
    }

    void report(Report report, String assumptions) {
        report.add("bill per million messages: API Gateway", dollars(apiGateway()),
                String.format(Locale.ROOT, "%.2f HTTP API requests per message at $%.2f/M", apiRequests, HTTP_API_PER_MILLION));
        report.add("bill per million messages: Lambda", dollars(lambda()), String.format(Locale.ROOT,
                "%.2f invocations at $%.2f/M + %.4f GB-s per message at $%.10f/GB-s (arm64)", invocations,
                LAMBDA_REQUESTS_PER_MILLION, gbSeconds, LAMBDA_ARM_PER_GB_SECOND));
        report.add("bill per million messages: SQS", dollars(sqs()),
                String.format(Locale.ROOT, "%.2f requests per message at $%.2f/M", sqsRequests, SQS_PER_MILLION));
        report.add("bill per million messages: DynamoDB", dollars(dynamoDb()), String.format(Locale.ROOT,
                "%.2f billed write units (index writes included; goal <= 8) at $%.3f/M + %.2f read units at $%.3f/M",
                writeUnits, WRITE_UNITS_PER_MILLION, readUnits, READ_UNITS_PER_MILLION));
        report.add("bill per million messages: Secrets Manager", dollars(secrets()),
                String.format(Locale.ROOT, "%.4f calls per message at $%.2f/M", secretsCalls, SECRETS_PER_MILLION_CALLS));
        report.add("bill per million messages: CloudWatch Logs", dollars(logs()),
                String.format(Locale.ROOT, "%.0f bytes of log per message at $%.2f/GB ingested", logBytes, LOGS_PER_GB));
        report.add("bill per million messages: status callbacks", dollars(callbackRequests()),
                String.format(Locale.ROOT, "%.2f invocations, %.4f GB-s, %.2f SQS requests, %.4f Secrets Manager calls"
                        + " per message; their log is in the CloudWatch Logs line", callbacks.invocations(),
                        callbacks.gbSeconds(), callbacks.sqsRequests(), callbacks.secretsCalls()));
        report.add("bill per million messages: total", dollars(total()), "goal <= $4; " + assumptions);
    }

    private static String dollars(double value) {
        return String.format(Locale.ROOT, "$%.2f", value);
    }
}
