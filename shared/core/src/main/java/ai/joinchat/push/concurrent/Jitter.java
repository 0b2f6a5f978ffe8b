package ai.joinchat.push.concurrent;

import java.security.SecureRandom;

/**
 * Random waits that differ between containers. SnapStart restores every container of a version
 * from one snapshot, and ThreadLocalRandom's seeds are in it, so each restored container would
 * draw the same "random" waits as the others and retry in step with them. SecureRandom is one of
 * the generators Lambda keeps unique after a restore; it is made at the first retry, not in init.
 */
public final class Jitter {

    private Jitter() {
    }

    /** From {@code min} to {@code max} milliseconds, both included. */
    public static long millis(long min, long max) {
        return Holder.RANDOM.nextLong(min, max + 1);
    }

    private static final class Holder {
        static final SecureRandom RANDOM = new SecureRandom();
    }
}
