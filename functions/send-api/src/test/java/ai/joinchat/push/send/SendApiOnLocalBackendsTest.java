package ai.joinchat.push.send;

import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** The send API contract on DynamoDB Local, ElasticMQ and the local Secrets Manager endpoint. */
@ExtendWith(LocalAwsExtension.class)
class SendApiOnLocalBackendsTest extends SendApiContractTests {
}
