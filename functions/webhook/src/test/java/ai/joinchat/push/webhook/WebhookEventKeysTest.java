package ai.joinchat.push.webhook;

import ai.joinchat.push.webhook.WebhookEvent.Channel;
import ai.joinchat.push.webhook.WebhookEvent.Delivery;
import ai.joinchat.push.webhook.WebhookEvent.OptIn;
import ai.joinchat.push.webhook.WebhookEvent.QuickReply;
import ai.joinchat.push.webhook.WebhookEvent.Read;
import ai.joinchat.push.webhook.WebhookEvent.Referral;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Event keys never change between releases: Facebook may redeliver a batch across a deploy, and
 * it must land on the records the previous release wrote. Pinned for odd text too (quotes,
 * control characters, an emoji, a lone surrogate), which JSON encoders may write differently.
 */
class WebhookEventKeysTest {

    private static final String ODD = "caf\u00e9 \"q\" \\ / \u0001 \u2028 \ud83d\ude00 <>&'";

    @Test
    void hashedKeysArePinned() {
        assertEquals("referral#1e42e89fd253077563b2f0ee964ebd2df18ac186848c8a1d37808a36e9d4feaf",
                new Referral("1", Channel.MESSAGING, true, "42", null, ODD, "ADS", null, "6045", "https://x/y?z=1",
                        true, "{}", Long.MAX_VALUE).eventKey().orElseThrow());
        assertEquals("referral#628c7de558dfc1d434f95793a8976110e24078ca28b5b5e88ae18f6d8a2bdde8",
                new Referral("1", Channel.STANDBY, false, null, "ur", null, null, null, null, null, null, null, 0L)
                        .eventKey().orElseThrow());
        assertEquals("optin#bf003a0903b3ae0aee7785bd71b41b1ac2b5e550d539d8ea18ba2dceb4eb892f",
                new OptIn("1", Channel.MESSAGING, "42", ODD, "uuid=a", -5L).eventKey().orElseThrow());
        assertEquals("delivery#5daba72accca30f80a7a7e7122034e9f2a3b60c6972f91037cdaf74602864265",
                new Delivery("1", Channel.MESSAGING, "42", List.of("m1", ODD), 90L, 91).eventKey().orElseThrow());
        assertEquals("delivery#2dac76d521b05be957abcd098ba29501bb065127122504cc5187172199833460",
                new Delivery("1", Channel.MESSAGING, null, List.of(), null, 91).eventKey().orElseThrow());
        assertEquals("read#b03200d5f205729fada8092b5f5e90205b887575f1d0034ab4dc671db958db7e",
                new Read("1", Channel.MESSAGING, "42", 100, 101).eventKey().orElseThrow());
        assertEquals("quick_reply#6c9bdbac374af82e3b9d02e1b9817f83df9a6b17563e20afdf80af47896fdf4c",
                new QuickReply("1", Channel.MESSAGING, "42\ud800x", null, "\udc00\u0000\t\n\u007f\u0080\uffff",
                        Long.MIN_VALUE).eventKey().orElseThrow());
        assertEquals("quick_reply#65f04a180dcd1c92f3c4281140320b0c9e5e513e9e69e0204616c771b91eee0a",
                new QuickReply("1", Channel.MESSAGING, "42", null, ODD, 300).eventKey().orElseThrow());
    }
}
