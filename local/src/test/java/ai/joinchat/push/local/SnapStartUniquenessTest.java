package ai.joinchat.push.local;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SnapStart restores every container of a published version from one snapshot, so a generator
 * whose seed was in memory at the snapshot draws the same numbers in each of them: retries meant
 * to spread out would run in step. The product's functions draw their randomness from
 * SecureRandom ({@code Jitter}, {@code UUID.randomUUID}), which Lambda keeps unique after a
 * restore, and from no seeded generator.
 */
class SnapStartUniquenessTest {

    private static final Pattern SEEDED = Pattern.compile(
            "ThreadLocalRandom\\.|new (Splittable)?Random\\(|Math\\.random\\(|import java\\.util\\.(Random|SplittableRandom);");

    @Test
    void noFunctionDrawsFromAGeneratorWhoseSeedIsInTheSnapshot() throws IOException {
        Path root = LocalMode.findRepositoryRoot();
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> functions = Files.list(root.resolve("functions"))) {
            functions.map(function -> function.resolve("src/main/java")).filter(Files::isDirectory).forEach(sources::add);
        }
        sources.add(root.resolve("shared/core/src/main/java"));
        assertEquals(5, sources.size(), "four functions and shared/core: " + sources);
        List<String> offenders = new ArrayList<>();
        int files = 0;
        for (Path source : sources) {
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path file : walk.filter(path -> path.toString().endsWith(".java")).toList()) {
                    files++;
                    if (SEEDED.matcher(read(file)).find()) {
                        offenders.add(root.relativize(file).toString());
                    }
                }
            }
        }
        assertTrue(files > 100, "found the sources: " + files);
        assertEquals(List.of(), offenders, "seeded generators in product code (use ai.joinchat.push.concurrent.Jitter)");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
