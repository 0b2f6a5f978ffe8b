package ai.joinchat.push.concurrent;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The one place threads are made: named daemon threads that never keep a JVM alive. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    public static ThreadFactory factory(String name) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    public static ExecutorService fixedPool(String name, int threads) {
        return Executors.newFixedThreadPool(threads, factory(name));
    }

    /**
     * A fixed number of threads that end when idle (after a minute), so neither a test JVM nor
     * local mode is kept alive by them. The queue is unbounded: callers submit at most one task
     * per item of a bounded batch.
     */
    public static ExecutorService idlePool(String name, int threads) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory(name));
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
