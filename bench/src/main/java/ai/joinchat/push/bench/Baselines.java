package ai.joinchat.push.bench;

import ai.joinchat.push.bench.baseline.HelloHandler;
import ai.joinchat.push.local.FunctionProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The two baselines as Lambda functions: a jar holding the classes of
 * {@code ai.joinchat.push.bench.baseline} whose manifest puts the send API's jar (the AWS SDK,
 * Jackson, aws-lambda-java-core) on the class path, so that either runtime starts them from one
 * code jar as it starts ours.
 */
final class Baselines {

    static final String HELLO = "ai.joinchat.push.bench.baseline.HelloHandler::handleRequest";
    static final String NAIVE_SEND = "ai.joinchat.push.bench.baseline.NaiveSendHandler::handleRequest";
    static final String NAIVE_WEBHOOK = "ai.joinchat.push.bench.baseline.NaiveWebhookHandler::handleRequest";
    private static final String PACKAGE = "ai/joinchat/push/bench/baseline/";

    private final Path jar;

    private Baselines(Path jar) {
        this.jar = jar;
    }

    /** Writes bench/target/baselines/baselines.jar from this benchmark's own classes. */
    static Baselines write(Path repositoryRoot) {
        Path directory = repositoryRoot.resolve("bench/target/baselines");
        Path jar = directory.resolve("baselines.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, "../../../functions/send-api/target/send-api.jar");
        try {
            Files.createDirectories(directory);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
                Path source = Path.of(HelloHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (Files.isDirectory(source)) {
                    try (Stream<Path> files = Files.list(source.resolve(PACKAGE))) {
                        for (Path file : files.toList()) {
                            copy(out, PACKAGE + file.getFileName(), Files.newInputStream(file));
                        }
                    }
                } else {
                    try (JarFile bench = new JarFile(source.toFile())) {
                        for (Enumeration<JarEntry> entries = bench.entries(); entries.hasMoreElements(); ) {
                            JarEntry entry = entries.nextElement();
                            if (entry.getName().startsWith(PACKAGE) && entry.getName().endsWith(".class")) {
                                copy(out, entry.getName(), bench.getInputStream(entry));
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + jar, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return new Baselines(jar);
    }

    private static void copy(JarOutputStream out, String name, InputStream in) throws IOException {
        try (in) {
            out.putNextEntry(new JarEntry(name));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    /** A baseline function with the send API's definition (memory, timeout, environment) and another handler. */
    FunctionProcess.Definition definition(String name, String handler, FunctionProcess.Definition like,
                                          Map<String, String> extraEnvironment) {
        Map<String, String> environment = new LinkedHashMap<>(like.environment());
        environment.putAll(extraEnvironment);
        return new FunctionProcess.Definition(name, "bench-" + name, handler, jar, like.memoryMb(), like.timeout(),
                environment);
    }
}
