package ai.joinchat.push.local.aws.template;

import java.util.Optional;

/**
 * A DynamoDB table created for a template's {@code AWS::DynamoDB::Table}.
 *
 * @param streamArn its stream's ARN ({@code !GetAtt Table.StreamArn}), when it declares a StreamSpecification
 */
public record ProvisionedTable(String logicalId, String name, String arn, Optional<String> streamArn) {
}
