package ai.joinchat.push.local.aws.template;

import java.util.List;
import java.util.OptionalInt;

/**
 * An {@code SQS} event of a function: the queue (logical id, from {@code !GetAtt Queue.Arn}) and
 * how Lambda's event source polls it.
 *
 * @param batchSize             SAM's default is 10
 * @param functionResponseTypes e.g. {@code ReportBatchItemFailures}
 * @param maximumConcurrency    ScalingConfig.MaximumConcurrency, if set
 */
public record SqsEventSource(String queueLogicalId, int batchSize, List<String> functionResponseTypes,
                             OptionalInt maximumConcurrency) {

    public boolean reportsBatchItemFailures() {
        return functionResponseTypes.contains("ReportBatchItemFailures");
    }
}
