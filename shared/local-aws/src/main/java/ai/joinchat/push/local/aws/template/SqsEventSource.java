package ai.joinchat.push.local.aws.template;

/**
 * An {@code SQS} event of a function: the queue (logical id, from {@code !GetAtt Queue.Arn}) and
 * how Lambda's event source polls it.
 *
 * @param batchSize                SAM's default is 10
 * @param reportsBatchItemFailures FunctionResponseTypes has {@code ReportBatchItemFailures}
 */
public record SqsEventSource(String queueLogicalId, int batchSize, boolean reportsBatchItemFailures) {
}
