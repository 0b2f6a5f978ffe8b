package ai.joinchat.push.local.aws.template;

/** A DynamoDB table created for a template's {@code AWS::DynamoDB::Table}. */
public record ProvisionedTable(String logicalId, String name, String arn) {
}
