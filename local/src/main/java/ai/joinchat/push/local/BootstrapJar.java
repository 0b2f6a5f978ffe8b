package ai.joinchat.push.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * A jar holding only {@link LambdaBootstrap} and its nested classes. A function JVM's classpath is
 * then its own shaded jar plus this jar, and nothing of the launcher (DynamoDB Local, ElasticMQ,
 * other library versions) can leak into the function the way it could if the launcher's whole jar
 * or classes directory were on that path. The jar's name carries a digest of its classes, so its
 * path stays the same while they do, as a class data sharing archive needs ({@link ClassDataSharing}).
 */
final class BootstrapJar {

    /** By name: the nested class cannot be loaded here, its interfaces come with the function jars only. */
    private static final List<String> CLASSES = List.of("LambdaBootstrap", "LambdaBootstrap$Invocation");

    private BootstrapJar() {
    }

    /** Writes {@code lambda-bootstrap-<digest>.jar} into {@code directory} (unless it is there) and returns its path. */
    static Path writeTo(Path directory) {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        for (String name : CLASSES) {
            String entry = LambdaBootstrap.class.getPackageName().replace('.', '/') + "/" + name + ".class";
            try (InputStream in = LambdaBootstrap.class.getClassLoader().getResourceAsStream(entry)) {
                classes.put(entry, Objects.requireNonNull(in, "no class file " + entry).readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + entry, e);
            }
        }
        return write(directory, classes);
    }

    /** The jar of these entries, named after a digest of their names and bytes. */
    static Path write(Path directory, Map<String, byte[]> entries) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        entries.forEach((name, bytes) -> {
            content.writeBytes(name.getBytes(StandardCharsets.UTF_8));
            content.writeBytes(bytes);
        });
        Path jar = directory.resolve("lambda-bootstrap-" + ClassDataSharing.digest(content.toByteArray()) + ".jar");
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Path partial = directory.resolve(jar.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(partial))) {
                for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                    out.putNextEntry(new JarEntry(entry.getKey()));
                    out.write(entry.getValue());
                    out.closeEntry();
                }
            }
            Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + jar, e);
        }
        return jar;
    }
}
