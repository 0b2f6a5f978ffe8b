package ai.joinchat.push.local.aws.template;

/** An SQS queue created for a template's {@code AWS::SQS::Queue}. */
public record ProvisionedQueue(String logicalId, String name, String url, String arn) {
}
