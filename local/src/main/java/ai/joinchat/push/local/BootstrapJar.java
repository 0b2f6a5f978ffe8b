package ai.joinchat.push.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A jar holding only {@link LambdaBootstrap} and its nested classes, written next to the launcher's
 * temporary files. A function JVM's classpath is then its own shaded jar plus this jar, and
 * nothing of the launcher (DynamoDB Local, ElasticMQ, other library versions) can leak into the
 * function the way it could if the launcher's whole jar or classes directory were on that path.
 */
final class BootstrapJar {

    private static final String PACKAGE_PATH = LambdaBootstrap.class.getPackageName().replace('.', '/') + "/";
    private static final String CLASS_PREFIX = LambdaBootstrap.class.getSimpleName();

    private BootstrapJar() {
    }

    /** Writes {@code lambda-bootstrap.jar} into {@code directory} and returns its path. */
    static Path writeTo(Path directory) {
        Path jar = directory.resolve("lambda-bootstrap.jar");
        List<String> entries = bootstrapClassEntries();
        if (entries.isEmpty()) {
            throw new IllegalStateException("cannot find the class files of " + LambdaBootstrap.class.getName());
        }
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (String entry : entries) {
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

    /** {@code ai/joinchat/push/local/LambdaBootstrap.class} and every {@code LambdaBootstrap$*.class}. */
    private static List<String> bootstrapClassEntries() {
        Path codeSource;
        try {
            codeSource = Path.of(LambdaBootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<String> entries = new ArrayList<>();
        try {
            if (Files.isDirectory(codeSource)) {
                try (Stream<Path> files = Files.list(codeSource.resolve(PACKAGE_PATH))) {
                    files.map(file -> file.getFileName().toString())
                            .filter(BootstrapJar::isBootstrapClass)
                            .forEach(name -> entries.add(PACKAGE_PATH + name));
                }
            } else {
                try (JarFile jar = new JarFile(codeSource.toFile())) {
                    Enumeration<JarEntry> all = jar.entries();
                    while (all.hasMoreElements()) {
                        String name = all.nextElement().getName();
                        if (name.startsWith(PACKAGE_PATH) && name.indexOf('/', PACKAGE_PATH.length()) < 0
                                && isBootstrapClass(name.substring(PACKAGE_PATH.length()))) {
                            entries.add(name);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the classes in " + codeSource, e);
        }
        entries.sort(null);
        return entries;
    }

    private static boolean isBootstrapClass(String fileName) {
        return fileName.equals(CLASS_PREFIX + ".class")
                || (fileName.startsWith(CLASS_PREFIX + "$") && fileName.endsWith(".class"));
    }
}
