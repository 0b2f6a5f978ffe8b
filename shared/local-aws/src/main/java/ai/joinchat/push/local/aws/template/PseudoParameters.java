package ai.joinchat.push.local.aws.template;

import java.util.List;

/**
 * The values of the AWS:: pseudo parameters for one local stack. Partition {@code aws}, URL
 * suffix {@code amazonaws.com}.
 */
public record PseudoParameters(String stackName, String region, String accountId) {

    public static final String LOCAL_ACCOUNT_ID = "000000000000";

    public static PseudoParameters of(String stackName, String region) {
        return new PseudoParameters(stackName, region, LOCAL_ACCOUNT_ID);
    }

    /** For reading a template before any stack exists: AWS::StackName is then unknown. */
    static PseudoParameters withoutStack(String region) {
        return new PseudoParameters(null, region, LOCAL_ACCOUNT_ID);
    }

    /** The value of {@code AWS::<name>}, or {@code null} if that is not a pseudo parameter. */
    Object valueOf(String name) {
        return switch (name) {
            case "AWS::Region" -> region;
            case "AWS::AccountId" -> accountId;
            case "AWS::Partition" -> "aws";
            case "AWS::URLSuffix" -> "amazonaws.com";
            case "AWS::StackName" -> required(stackName, name);
            case "AWS::StackId" -> "arn:aws:cloudformation:" + region + ":" + accountId + ":stack/"
                    + required(stackName, name) + "/00000000-0000-0000-0000-000000000000";
            case "AWS::NotificationARNs" -> List.of();
            default -> null;
        };
    }

    private static String required(String value, String name) {
        if (value == null) {
            throw new IllegalStateException(name + " is not known until the template is provisioned as a stack");
        }
        return value;
    }
}
