package ai.joinchat.push.send.store;

import ai.joinchat.push.Deadline;

import java.time.Instant;

/**
 * Replay protection of timestamped {@code POST /api/bindings} requests (contract section 3): the
 * first request with a replay key holds it and stores its answer; a repeat inside the window
 * answers that and writes nothing. A key is never taken over while it lives.
 */
public interface ImportReplays {

    /** What claiming a replay key found. */
    sealed interface Claim {
        /** This request is the first with the key: import, then {@link #complete} it. */
        record Taken() implements Claim {
        }

        /** A repeat: the first request's answer. */
        record Answered(int statusCode, String body) implements Claim {
        }

        /** A repeat of a request whose answer is not stored (still running, or it failed): write nothing. */
        record Unanswered() implements Claim {
        }
    }

    Claim claim(String pageId, String replayKey, Instant now, Deadline deadline);

    /** Stores the first request's answer; when that fails, repeats find the key {@link Claim.Unanswered}. */
    void complete(String pageId, String replayKey, int statusCode, String body, Instant now, Deadline deadline);
}
