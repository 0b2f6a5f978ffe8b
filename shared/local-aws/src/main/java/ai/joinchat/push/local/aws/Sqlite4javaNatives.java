package ai.joinchat.push.local.aws;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Makes sqlite4java's native libraries, which DynamoDB Local needs, loadable.
 *
 * <p>The build copies them into this module's classpath folder {@value #RESOURCE_FOLDER}/, which
 * travels with this class: in its classpath directory or inside its jar (also a shaded jar that
 * has no directory entries). They are copied from there, once per JVM, into a temporary directory,
 * and the system property {@value #LIBRARY_PATH_PROPERTY} names that directory.
 */
public final class Sqlite4javaNatives {

    static final String RESOURCE_FOLDER = "sqlite4java-natives";
    public static final String LIBRARY_PATH_PROPERTY = "sqlite4java.library.path";

    private Sqlite4javaNatives() {
    }

    /**
     * Extracts the libraries and sets {@value #LIBRARY_PATH_PROPERTY}, unless the property is
     * already set (by an earlier call, or by whoever launched the JVM).
     *
     * @return the directory holding the native libraries
     */
    public static synchronized Path install() {
        String installed = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (installed != null && !installed.isBlank()) {
            return Path.of(installed);
        }
        try {
            Path directory = Files.createTempDirectory("sqlite4java-natives-");
            directory.toFile().deleteOnExit();
            URL classpathEntry = Sqlite4javaNatives.class.getProtectionDomain().getCodeSource().getLocation();
            Set<String> extracted = extract(Path.of(classpathEntry.toURI()), directory);
            if (extracted.isEmpty()) {
                throw new IllegalStateException("No sqlite4java native libraries found under classpath folder "
                        + RESOURCE_FOLDER + "/ (was the module built with Maven's generate-resources phase?)");
            }
            extracted.forEach(name -> directory.resolve(name).toFile().deleteOnExit());
            System.setProperty(LIBRARY_PATH_PROPERTY, directory.toString());
            return directory;
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("Could not extract the sqlite4java native libraries", e);
        }
    }

    /**
     * Copies every file of {@value #RESOURCE_FOLDER}/ found in one classpath entry.
     *
     * @param entry a jar file or a classpath directory
     * @return the names of the files copied into {@code target}
     */
    static Set<String> extract(Path entry, Path target) throws IOException {
        if (Files.isDirectory(entry)) {
            return copyFiles(entry.resolve(RESOURCE_FOLDER), target);
        }
        try (FileSystem jar = FileSystems.newFileSystem(entry)) {
            return copyFiles(jar.getPath(RESOURCE_FOLDER), target);
        }
    }

    private static Set<String> copyFiles(Path folder, Path target) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, Files::isRegularFile)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    Files.copy(file, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    names.add(name);
                }
            }
        }
        return names;
    }
}
