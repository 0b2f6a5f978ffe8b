package ai.joinchat.push.aws;

import ai.joinchat.push.DependencyUnavailableException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

import java.io.IOException;
import java.net.ConnectException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SdkFailuresTest {

    private static DynamoDbException service(int status, String code, String message) {
        return (DynamoDbException) DynamoDbException.builder().statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    @Test
    void throttlingServerErrorsTimeoutsAndIoAreTransient() {
        assertTrue(SdkFailures.isTransient(service(400, "ProvisionedThroughputExceededException", "slow down")));
        assertTrue(SdkFailures.isTransient(service(400, "ThrottlingException", "slow down")));
        assertTrue(SdkFailures.isTransient(service(400, "RequestLimitExceeded", "slow down")));
        assertTrue(SdkFailures.isTransient(service(500, "InternalServerError", "oops")));
        assertTrue(SdkFailures.isTransient(service(503, "Unknown", "oops")));
        assertTrue(SdkFailures.isTransient(ApiCallTimeoutException.create(5000)));
        assertTrue(SdkFailures.isTransient(SdkClientException.create("connect", new IOException("refused"))));
        assertTrue(SdkFailures.isTransient(new IllegalStateException("items unprocessed after 6 attempts")));
    }

    @Test
    void otherServiceAnswersAreDeterministic() {
        assertFalse(SdkFailures.isTransient(service(400, "ValidationException", "Item size has exceeded the maximum allowed size")));
        assertFalse(SdkFailures.isTransient(service(400, "AccessDeniedException", "not authorized")));
        assertFalse(SdkFailures.isTransient(service(400, "ResourceNotFoundException", "no table")));
        assertFalse(SdkFailures.isTransient(ConditionalCheckFailedException.builder().statusCode(400).message("failed").build()));
    }

    @Test
    void onlyAValidationExceptionIsAnInvalidRequest() {
        assertTrue(SdkFailures.invalidRequest(new DependencyUnavailableException("DynamoDB",
                service(400, "ValidationException", "Item size has exceeded the maximum allowed size"))));
        for (String deployment : List.of("AccessDeniedException", "ResourceNotFoundException",
                "UnrecognizedClientException", "ExpiredTokenException", "KMSAccessDeniedException",
                "ProvisionedThroughputExceededException")) {
            assertFalse(SdkFailures.invalidRequest(new DependencyUnavailableException("DynamoDB",
                    service(400, deployment, "refused"))), deployment);
        }
        assertFalse(SdkFailures.invalidRequest(new DependencyUnavailableException("DynamoDB",
                service(500, "ValidationException", "odd"))));
        assertFalse(SdkFailures.invalidRequest(new DependencyUnavailableException("DynamoDB",
                new java.io.IOException("reset"))));
    }

    @Test
    void theExceptionKeepsTheCodeAndTheServiceMessage() {
        DependencyUnavailableException e = new DependencyUnavailableException("DynamoDB",
                service(400, "ValidationException", "Item size has exceeded the maximum allowed size"));
        assertFalse(e.isTransient());
        assertEquals("ValidationException", e.errorCode());
        assertEquals("DynamoDB unavailable: DynamoDbException [ValidationException] Item size has exceeded the maximum allowed size",
                e.getMessage());
        assertTrue(new DependencyUnavailableException("DynamoDB", new InterruptedException()).isTransient());
    }

    @Test
    void callTranslatesSdkFailuresAndLetsAConditionFailureThrough() {
        DynamoDbException refused = service(400, "ValidationException", "bad");
        DependencyUnavailableException e = assertThrows(DependencyUnavailableException.class,
                () -> SdkFailures.call("DynamoDB", () -> { throw refused; }));
        assertSame(refused, e.getCause());
        assertEquals("ValidationException", e.errorCode());

        ConditionalCheckFailedException condition =
                ConditionalCheckFailedException.builder().statusCode(400).message("failed").build();
        assertSame(condition, assertThrows(ConditionalCheckFailedException.class,
                () -> SdkFailures.run("DynamoDB", () -> { throw condition; })));
        assertEquals("ok", SdkFailures.call("DynamoDB", () -> "ok"));
    }

    @Test
    void onlyRefusedOrNeverSentCallsAreCertainlyNotApplied() {
        assertTrue(SdkFailures.certainlyNotApplied(SdkFailures.deadlinePassed("DynamoDB")));
        assertTrue(SdkFailures.certainlyNotApplied(new DependencyUnavailableException("DynamoDB", service(400, "ValidationException", "bad"))));
        assertTrue(SdkFailures.certainlyNotApplied(
                SdkClientException.create("connect", new ConnectException("refused"))));
        assertFalse(SdkFailures.certainlyNotApplied(new DependencyUnavailableException("DynamoDB", service(500, "InternalServerError", "oops"))));
        assertFalse(SdkFailures.certainlyNotApplied(ApiCallTimeoutException.create(5000)));
        SdkClientException retried = SdkClientException.create("connect", new ConnectException("refused"));
        retried.addSuppressed(service(503, "ServiceUnavailable", "later"));
        assertFalse(SdkFailures.certainlyNotApplied(retried), "one attempt that reached the service proves nothing");
    }
}
