package ai.joinchat.push.send;

import ai.joinchat.push.local.aws.junit.LocalStackExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** The same contract on LocalStack (Testcontainers); skipped where no Docker engine runs. */
@ExtendWith(LocalStackExtension.class)
class SendApiOnLocalStackTest extends SendApiContractTests {
}
