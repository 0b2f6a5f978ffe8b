package ai.joinchat.push.local.aws.template;

import java.util.List;
import java.util.Optional;

/**
 * A {@code DynamoDB} event of a function: the table whose stream it reads (logical id, from
 * {@code !GetAtt Table.StreamArn}) and how Lambda's event source mapping reads it.
 *
 * @param startingPosition             {@code TRIM_HORIZON} or {@code LATEST}
 * @param batchSize                    SAM's default is 100
 * @param maximumBatchingWindowSeconds 0 (the default): invoke as soon as records are read
 * @param filterPatterns               the FilterCriteria patterns (JSON text); none: every record
 * @param maximumRetryAttempts         -1 (the default): retry until the records expire
 * @param onFailureQueueLogicalId      the queue of {@code DestinationConfig.OnFailure.Destination}
 *                                     ({@code !GetAtt Queue.Arn})
 */
public record DynamoDbStreamEventSource(
        String tableLogicalId,
        String startingPosition,
        int batchSize,
        int maximumBatchingWindowSeconds,
        List<String> filterPatterns,
        boolean reportsBatchItemFailures,
        int maximumRetryAttempts,
        boolean bisectBatchOnFunctionError,
        Optional<String> onFailureQueueLogicalId) {
}
