package ai.joinchat.push.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Application Class Data Sharing for local mode's function JVMs: one dynamic CDS archive per
 * function jar, written by the first execution environment when it exits
 * ({@code -XX:ArchiveClassesAtExit}) and mapped by every later one ({@code -XX:SharedArchiveFile}),
 * so a cold start no longer parses, verifies and links the same few thousand SDK and Jackson
 * classes again.
 *
 * <p>An archive is only valid for the exact JVM build and class path it was written with, so its
 * name carries a digest of the JVM version and of each class path jar's path, size and time; a
 * rebuilt jar or another JDK simply trains a new one. The runtime bootstrap jar therefore lives in
 * the same directory at a stable path named after its content ({@link BootstrapJar}). Lambda does
 * not use any of this: there SnapStart restores a snapshot taken after init and priming, and an
 * archive from the build machine's JDK would not match the managed runtime's JVM anyway.
 */
public final class ClassDataSharing {

    private static final AtomicLong NEXT_TRAINING = new AtomicLong();
    private static final int EXIT_SIGKILL = 137;

    private final Path directory;

    private ClassDataSharing(Path directory) {
        this.directory = directory;
    }

    /** Archives kept in {@code directory} (created when missing). */
    public static ClassDataSharing in(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        return new ClassDataSharing(directory);
    }

    /**
     * How one JVM running {@code codeJar} with {@code classPath} uses the archive: map it, or write
     * it at exit. Every JVM of one jar and class path shares one archive.
     */
    public Launch launch(Path codeJar, List<Path> classPath) {
        String name = codeJar.getFileName().toString().replaceFirst("\\.jar$", "");
        Path archive = directory.resolve(name + "-" + classPathDigest(classPath) + ".jsa");
        if (Files.isRegularFile(archive)) {
            return new Launch(List.of("-XX:SharedArchiveFile=" + archive), null, archive);
        }
        Path training = directory.resolve(archive.getFileName() + ".training-" + ProcessHandle.current().pid()
                + "-" + NEXT_TRAINING.incrementAndGet());
        return new Launch(List.of("-XX:ArchiveClassesAtExit=" + training), training, archive);
    }

    /**
     * The JVM options of one launch, and what to do when that JVM has exited: a training run's
     * archive is moved into place (the JVM writes it while exiting; a JVM that was killed with
     * SIGKILL may have left half of one, which is deleted, and the next launch trains again).
     */
    public record Launch(List<String> jvmOptions, Path training, Path archive) {

        /** No archive of the function's own classes. */
        static final Launch NONE = new Launch(List.of(), null, null);

        public boolean trains() {
            return training != null;
        }

        public void exited(int exitStatus) {
            if (training == null || !Files.isRegularFile(training)) {
                return;
            }
            if (exitStatus == EXIT_SIGKILL) {
                // Killed while it may have been writing: never keep a partial archive.
                discard();
                return;
            }
            try {
                Files.move(training, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                discard();
            }
        }

        private void discard() {
            try {
                Files.deleteIfExists(training);
            } catch (IOException ignored) {
                // A stray file in the archive directory; the next launch trains again.
            }
        }
    }

    private static String classPathDigest(List<Path> classPath) {
        StringBuilder key = new StringBuilder(System.getProperty("java.vm.version", "") + "|" + System.getProperty("java.home", ""));
        for (Path jar : classPath) {
            Path absolute = jar.toAbsolutePath().normalize();
            try {
                key.append('|').append(absolute).append('|').append(Files.size(absolute))
                        .append('|').append(Files.getLastModifiedTime(absolute).toMillis());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + absolute, e);
            }
        }
        return digest(key.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** 16 hex digits that name these bytes (of their MD5, through a name-based UUID): short enough for a file name. */
    static String digest(byte[] bytes) {
        return UUID.nameUUIDFromBytes(bytes).toString().replace("-", "").substring(0, 16);
    }
}
