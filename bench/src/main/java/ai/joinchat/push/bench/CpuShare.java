package ai.joinchat.push.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Lambda's CPU for a memory size: a function gets CPU in proportion to its memory, one vCPU at
 * 1,769 MB, so a 1,024 MB function runs on 58% of a core. {@code --lambda-cpu} puts each function
 * JVM (and each baseline's) into a cgroup of its own whose CPU quota is that share, so durations
 * are measured on the CPU Lambda would give. Needs a writable cgroup cpu controller (v1
 * {@code /sys/fs/cgroup/cpu} or v2 {@code cpu.max}), which usually means root.
 */
final class CpuShare implements AutoCloseable {

    /** The memory size at which a function has the equivalent of one vCPU. */
    static final int MB_PER_VCPU = 1769;
    private static final long PERIOD_MICROS = 100_000;

    private final Path group;
    private final boolean v2;

    private CpuShare(Path group, boolean v2) {
        this.group = group;
        this.v2 = v2;
    }

    /** A new cgroup named after the function, limited to {@code memoryMb / 1769} of one core. */
    static CpuShare of(String name, int memoryMb) {
        long quota = Math.max(1_000, PERIOD_MICROS * memoryMb / MB_PER_VCPU);
        Path v1 = Path.of("/sys/fs/cgroup/cpu");
        Path unified = Path.of("/sys/fs/cgroup");
        boolean v2 = !Files.isRegularFile(v1.resolve("cpu.cfs_quota_us"))
                && Files.isRegularFile(unified.resolve("cgroup.controllers"));
        Path group = (v2 ? unified : v1).resolve("joinchat-bench-" + name + "-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(group);
            if (v2) {
                Files.writeString(group.resolve("cpu.max"), quota + " " + PERIOD_MICROS);
            } else {
                Files.writeString(group.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_MICROS));
                Files.writeString(group.resolve("cpu.cfs_quota_us"), Long.toString(quota));
            }
        } catch (IOException e) {
            throw new IllegalStateException("--lambda-cpu needs a writable cgroup cpu controller (run as root): "
                    + group + ": " + e.getMessage(), e);
        }
        return new CpuShare(group, v2);
    }

    /** The file a process writes its own id to, to enter the group. */
    Path procsFile() {
        return group.resolve("cgroup.procs");
    }

    /** Moves a process, all its threads, into the group. */
    void add(long pid) {
        try {
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move process " + pid + " into " + group, e);
        }
    }

    /** How the report names the limit, e.g. {@code 0.58 of a core}. */
    static String describe(int memoryMb) {
        return String.format(Locale.ROOT, "%.2f of a core (%d MB / %d MB per vCPU)",
                memoryMb / (double) MB_PER_VCPU, memoryMb, MB_PER_VCPU);
    }

    @Override
    public void close() {
        // Processes still running go back to the parent group; an empty group can be removed.
        try {
            for (String pid : Files.readAllLines(procsFile())) {
                if (!pid.isBlank()) {
                    Files.writeString(group.getParent().resolve("cgroup.procs"), pid.trim());
                }
            }
        } catch (IOException e) {
            // gone already, or exited meanwhile
        }
        for (int attempt = 0; attempt < 50 && Files.exists(group); attempt++) {
            try {
                Files.delete(group);
            } catch (IOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public String toString() {
        return group + (v2 ? " (cgroup v2)" : " (cgroup v1)");
    }
}
