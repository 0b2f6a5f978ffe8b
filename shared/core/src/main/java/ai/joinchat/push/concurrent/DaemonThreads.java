package ai.joinchat.push.concurrent;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The one place threads are made: fixed pools of named daemon threads that never keep a JVM alive. */
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

    /** A fixed pool: never grows with the work handed to it. */
    public static ExecutorService fixedPool(String name, int threads) {
        return Executors.newFixedThreadPool(threads, factory(name));
    }
}
