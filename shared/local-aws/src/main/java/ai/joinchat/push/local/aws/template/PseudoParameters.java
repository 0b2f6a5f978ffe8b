package ai.joinchat.push.local.aws.template;

/**
 * The values of the AWS:: pseudo parameters template.yaml uses, for one local stack: Region,
 * AccountId, Partition ({@code aws}) and URLSuffix ({@code amazonaws.com}).
 */
public record PseudoParameters(String stackName, String region, String accountId) {

    public static final String LOCAL_ACCOUNT_ID = "000000000000";

    public static PseudoParameters of(String stackName, String region) {
        return new PseudoParameters(stackName, region, LOCAL_ACCOUNT_ID);
    }

    /** For reading a template before any stack exists. */
    static PseudoParameters withoutStack(String region) {
        return new PseudoParameters(null, region, LOCAL_ACCOUNT_ID);
    }

    /** The value of {@code AWS::<name>}, or {@code null} if it is not one of these. */
    String valueOf(String name) {
        return switch (name) {
            case "AWS::Region" -> region;
            case "AWS::AccountId" -> accountId;
            case "AWS::Partition" -> "aws";
            case "AWS::URLSuffix" -> "amazonaws.com";
            default -> null;
        };
    }
}
