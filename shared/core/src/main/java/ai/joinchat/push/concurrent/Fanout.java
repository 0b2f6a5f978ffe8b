package ai.joinchat.push.concurrent;

import ai.joinchat.push.DependencyUnavailableException;
import ai.joinchat.push.aws.SdkFailures;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Runs a handful of independent store calls at once on a bounded executor and waits for all of
 * them. Nothing outlives the call: on the first failure, or when the waiting thread is
 * interrupted (its own deadline passed), the tasks not yet started are cancelled and the
 * running ones interrupted.
 */
public final class Fanout {

    private Fanout() {
    }

    /**
     * The tasks' results in order. With no executor, or a single task, they run on the calling thread.
     *
     * @throws RuntimeException the first task failure as thrown (an unchecked one), or a
     *                          {@link DependencyUnavailableException} when interrupted
     */
    public static <T> List<T> all(ExecutorService executor, String dependency, List<? extends Callable<T>> tasks) {
        List<T> results = new ArrayList<>(tasks.size());
        if (executor == null || tasks.size() <= 1) {
            for (Callable<T> task : tasks) {
                results.add(call(task, dependency));
            }
            return results;
        }
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        for (Callable<T> task : tasks) {
            futures.add(executor.submit(task));
        }
        try {
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkFailures.unavailable(dependency, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw SdkFailures.unavailable(dependency, e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    private static <T> T call(Callable<T> task, String dependency) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw SdkFailures.unavailable(dependency, e);
        }
    }
}
