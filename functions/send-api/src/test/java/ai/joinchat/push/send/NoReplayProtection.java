package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.send.store.ImportReplays;

import java.time.Instant;

/** No replay protection: every request is the first (tests of other behaviour). */
final class NoReplayProtection implements ImportReplays {

    @Override
    public Claim claim(String pageId, String replayKey, Instant now, Deadline deadline) {
        return new Claim.Taken();
    }

    @Override
    public void complete(String pageId, String replayKey, int statusCode, String body, Instant now, Deadline deadline) {
    }
}
