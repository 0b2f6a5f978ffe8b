package ai.joinchat.push.send;

import ai.joinchat.push.Deadline;

import java.time.Instant;

/**
 * Replay protection of timestamped {@code POST /api/bindings} requests: contract section 3's rule
 * for timestamped sends, applied to the import. The first request with a replay key holds the key
 * for the replay window and stores its answer there; a repeat of the same request inside the
 * window answers the stored answer and writes nothing. A key is never taken over while it lives.
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

    /** @throws ai.joinchat.push.DependencyUnavailableException when the store failed (nothing was imported) */
    Claim claim(String pageId, String replayKey, Instant now, Deadline deadline);

    /**
     * Stores the answer the first request got, for its repeats.
     *
     * @throws ai.joinchat.push.DependencyUnavailableException when the store failed (repeats then
     *         find the key {@link Claim.Unanswered}, and still write nothing)
     */
    void complete(String pageId, String replayKey, int statusCode, String body, Instant now, Deadline deadline);

    /** No protection: every request is the first (tests of other behaviour). */
    ImportReplays NONE = new ImportReplays() {
        @Override
        public Claim claim(String pageId, String replayKey, Instant now, Deadline deadline) {
            return new Claim.Taken();
        }

        @Override
        public void complete(String pageId, String replayKey, int statusCode, String body, Instant now,
                             Deadline deadline) {
        }
    };
}
