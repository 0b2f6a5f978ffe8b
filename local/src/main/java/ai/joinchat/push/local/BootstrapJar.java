package ai.joinchat.push.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * A jar holding only {@link LambdaBootstrap} and its nested classes, written next to the launcher's
 * temporary files. A function JVM's classpath is then its own shaded jar plus this jar, and
 * nothing of the launcher (DynamoDB Local, ElasticMQ, other library versions) can leak into the
 * function the way it could if the launcher's whole jar or classes directory were on that path.
 */
final class BootstrapJar {

    /**
     * By name: loading the nested class here would fail, as its interfaces (aws-lambda-java-core)
     * come only with the function jars.
     */
    private static final List<String> CLASSES = List.of("LambdaBootstrap", "LambdaBootstrap$Invocation");

    private BootstrapJar() {
    }

    /** Writes {@code lambda-bootstrap.jar} into {@code directory} and returns its path. */
    static Path writeTo(Path directory) {
        Path jar = directory.resolve("lambda-bootstrap.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : CLASSES) {
                String entry = LambdaBootstrap.class.getPackageName().replace('.', '/') + "/" + name + ".class";
                try (InputStream in = LambdaBootstrap.class.getClassLoader().getResourceAsStream(entry)) {
                    if (in == null) {
                        throw new IllegalStateException("class file " + entry + " is not readable");
                    }
                    out.putNextEntry(new JarEntry(entry));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + jar, e);
        }
        return jar;
    }
}
