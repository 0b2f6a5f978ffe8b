package ai.joinchat.push.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassDataSharingTest {

    @TempDir
    Path directory;

    private Path jar(String name, String content) throws IOException {
        Path jar = directory.resolve(name);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            out.putNextEntry(new JarEntry("a/A.class"));
            out.write(content.getBytes());
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void firstLaunchTrainsAndLaterLaunchesMapTheArchiveItLeft() throws IOException {
        ClassDataSharing sharing = ClassDataSharing.in(directory.resolve("cds"));
        Path code = jar("send-api.jar", "code");
        List<Path> classPath = List.of(code, jar("boot.jar", "boot"));

        ClassDataSharing.Launch first = sharing.launch(code, classPath);
        assertTrue(first.trains());
        assertTrue(first.jvmOptions().get(0).startsWith("-XX:ArchiveClassesAtExit="), first.jvmOptions().toString());
        Files.writeString(first.training(), "archive"); // what the JVM writes as it exits
        first.exited(143);

        ClassDataSharing.Launch second = sharing.launch(code, classPath);
        assertFalse(second.trains());
        assertEquals(List.of("-XX:SharedArchiveFile=" + first.archive()), second.jvmOptions());
        assertTrue(first.archive().getFileName().toString().startsWith("send-api-"), first.archive().toString());
    }

    @Test
    void aJvmThatLeftNoArchiveOrWasKilledMakesTheNextLaunchTrainAgain() throws IOException {
        ClassDataSharing sharing = ClassDataSharing.in(directory.resolve("cds"));
        Path code = jar("worker.jar", "code");
        ClassDataSharing.Launch killed = sharing.launch(code, List.of(code));
        killed.exited(143); // stopped before it wrote anything
        assertTrue(sharing.launch(code, List.of(code)).trains());

        ClassDataSharing.Launch forciblyKilled = sharing.launch(code, List.of(code));
        Files.writeString(forciblyKilled.training(), "half an archive");
        forciblyKilled.exited(137);
        assertFalse(Files.exists(forciblyKilled.training()));
        assertTrue(sharing.launch(code, List.of(code)).trains());
    }

    @Test
    void aRebuiltJarGetsItsOwnArchive() throws IOException {
        ClassDataSharing sharing = ClassDataSharing.in(directory.resolve("cds"));
        Path code = jar("webhook.jar", "code");
        Path before = sharing.launch(code, List.of(code)).archive();
        jar("webhook.jar", "rebuilt code");
        Files.setLastModifiedTime(code, FileTime.fromMillis(Files.getLastModifiedTime(code).toMillis() + 5_000));
        assertNotEquals(before, sharing.launch(code, List.of(code)).archive());
    }

    @Test
    void theBootstrapJarKeepsItsPathWhileItsClassesStayTheSame() throws Exception {
        Path cds = directory.resolve("cds");
        ClassDataSharing.in(cds);
        Path stable = BootstrapJar.write(cds, Map.of("a/A.class", "runtime".getBytes()));
        Thread.sleep(5); // a new jar file with new entry times and the same classes
        assertEquals(stable, BootstrapJar.write(cds, Map.of("a/A.class", "runtime".getBytes())));
        assertNotEquals(stable, BootstrapJar.write(cds, Map.of("a/A.class", "changed runtime".getBytes())));
    }
}
