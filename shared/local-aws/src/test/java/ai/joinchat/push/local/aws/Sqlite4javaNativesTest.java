package ai.joinchat.push.local.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sqlite4javaNativesTest {

    @TempDir
    Path temp;

    @Test
    void extractsFromAClasspathDirectory() throws IOException {
        Path classes = Files.createDirectories(temp.resolve("classes/sqlite4java-natives")).getParent();
        Files.writeString(classes.resolve("sqlite4java-natives/libsqlite4java-linux-amd64-1.0.392.so"), "native");
        Files.writeString(classes.resolve("Other.class"), "not a native library");
        Path target = Files.createDirectory(temp.resolve("out"));

        Set<String> extracted = Sqlite4javaNatives.extract(classes, target);

        assertEquals(Set.of("libsqlite4java-linux-amd64-1.0.392.so"), extracted);
        assertEquals("native", Files.readString(target.resolve("libsqlite4java-linux-amd64-1.0.392.so")));
    }

    @Test
    void extractsFromAJarWithoutDirectoryEntriesAsShadedJarsMayBe() throws IOException {
        Path jar = temp.resolve("function-shaded.jar");
        byte[] library = {0x7f, 'E', 'L', 'F', 0, 1, 2};
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            write(out, "ai/joinchat/Some.class", "class".getBytes(StandardCharsets.UTF_8));
            write(out, "sqlite4java-natives/libsqlite4java-linux-amd64-1.0.392.so", library);
            write(out, "sqlite4java-natives/sqlite4java-win32-x64-1.0.392.dll", library);
            write(out, "sqlite4java-natives/nested/ignored.so", library);
        }
        Path target = Files.createDirectory(temp.resolve("out"));

        Set<String> extracted = Sqlite4javaNatives.extract(jar, target);

        assertEquals(Set.of("libsqlite4java-linux-amd64-1.0.392.so", "sqlite4java-win32-x64-1.0.392.dll"), extracted);
        assertArrayEquals(library, Files.readAllBytes(target.resolve("libsqlite4java-linux-amd64-1.0.392.so")));
    }

    private static void write(JarOutputStream jar, String name, byte[] content) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        OutputStream entry = jar;
        entry.write(content);
        jar.closeEntry();
    }
}
