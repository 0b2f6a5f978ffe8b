package ai.joinchat.push.local.aws.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.joinchat.push.local.aws.template.StackProvisionerCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.secretsmanager.model.Filter;

/** The provisioning check of StackProvisionerTest against LocalStack; skipped where Docker is absent. */
@ExtendWith(LocalStackExtension.class)
class LocalStackProvisioningTest {

    @Test
    void createsTheProjectsTablesAndQueues(LocalAws aws) throws Exception {
        StackProvisionerCheck.assertProjectStackProvisioned(aws);
    }

    @Test
    void secretsAreStoredInLocalStack(LocalAws aws) {
        aws.putAppSecret("app-secret", "verify-me");

        assertEquals(1, aws.secretsManager().listSecrets(b -> b.filters(Filter.builder().key("name").values("joinchat/app").build()))
                .secretList().size());
    }
}
