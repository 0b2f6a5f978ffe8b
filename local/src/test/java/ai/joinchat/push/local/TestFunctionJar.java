package ai.joinchat.push.local;

import com.amazonaws.services.lambda.runtime.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Builds a "shaded function jar" for tests: the test handlers' classes plus aws-lambda-java-core,
 * which is what a real function jar carries, and nothing else.
 */
final class TestFunctionJar {

    private static final String HANDLER_PACKAGE = "ai/joinchat/push/local/testfunction/";

    private TestFunctionJar() {
    }

    static Path build(Path directory) throws IOException, URISyntaxException {
        Path jar = directory.resolve("test-function.jar");
        Path testClasses = Path.of(TestFunctionJar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path lambdaCore = Path.of(Context.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> written = new HashSet<>();
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            try (Stream<Path> classes = Files.list(testClasses.resolve(HANDLER_PACKAGE))) {
                for (Path classFile : (Iterable<Path>) classes::iterator) {
                    out.putNextEntry(new JarEntry(HANDLER_PACKAGE + classFile.getFileName()));
                    Files.copy(classFile, out);
                    out.closeEntry();
                }
            }
            try (JarFile core = new JarFile(lambdaCore.toFile())) {
                for (JarEntry entry : (Iterable<JarEntry>) core.stream()::iterator) {
                    if (entry.isDirectory() || !entry.getName().endsWith(".class") || !written.add(entry.getName())) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream in = core.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        return jar;
    }
}
