package ai.joinchat.push.config;

import org.crac.Context;
import org.crac.Resource;

import java.util.List;

/**
 * A function's SnapStart priming, registered by its handler: it runs before every checkpoint and
 * leaves nothing to refresh after a restore. It touched none of the objects that answer
 * invocations (its clients and secrets were its own, and are gone); theirs resolve credentials
 * lazily and fetch (and cache) secrets on use.
 */
public interface Priming extends Resource {

    /** Runs the function's request path once; returns the AWS operations it made, in order. */
    List<String> run();

    @Override
    default void beforeCheckpoint(Context<? extends Resource> context) {
        run();
    }

    @Override
    default void afterRestore(Context<? extends Resource> context) {
        // Nothing to refresh: see above.
    }
}
