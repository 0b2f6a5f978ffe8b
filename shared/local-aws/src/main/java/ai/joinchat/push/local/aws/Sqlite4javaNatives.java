package ai.joinchat.push.local.aws;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Makes sqlite4java's native libraries, which DynamoDB Local needs, loadable.
 *
 * <p>The build copies them into this module's classpath folder {@value #RESOURCE_FOLDER}/. They
 * are copied from there, once per JVM, into a temporary directory, and the system property
 * {@value #LIBRARY_PATH_PROPERTY} names that directory. The folder is found in a classpath
 * directory or inside a jar (also a shaded jar that has no directory entries).
 */
public final class Sqlite4javaNatives {

    public static final String RESOURCE_FOLDER = "sqlite4java-natives";
    public static final String LIBRARY_PATH_PROPERTY = "sqlite4java.library.path";

    private static Path libraryDirectory;

    private Sqlite4javaNatives() {
    }

    /**
     * Extracts the libraries (first call only) and sets {@value #LIBRARY_PATH_PROPERTY}. A value
     * the property already has is respected.
     *
     * @return the directory holding the native libraries
     */
    public static synchronized Path install() {
        if (libraryDirectory != null) {
            return libraryDirectory;
        }
        String preset = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (preset != null && !preset.isBlank()) {
            libraryDirectory = Path.of(preset);
            return libraryDirectory;
        }
        try {
            Path directory = Files.createTempDirectory("sqlite4java-natives-");
            directory.toFile().deleteOnExit();
            Set<String> extracted = new LinkedHashSet<>();
            for (URL location : candidateLocations()) {
                extracted.addAll(extract(location, directory));
            }
            if (extracted.isEmpty()) {
                throw new IllegalStateException("No sqlite4java native libraries found under classpath folder "
                        + RESOURCE_FOLDER + "/ (was the module built with Maven's generate-resources phase?)");
            }
            for (String name : extracted) {
                directory.resolve(name).toFile().deleteOnExit();
            }
            System.setProperty(LIBRARY_PATH_PROPERTY, directory.toString());
            libraryDirectory = directory;
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not extract the sqlite4java native libraries", e);
        }
    }

    /**
     * Where the folder may be: the jar or directory this class was loaded from (covers shaded
     * jars), and every classpath entry that lists the folder as a resource.
     */
    private static List<URL> candidateLocations() throws IOException {
        Set<URL> locations = new LinkedHashSet<>();
        CodeSource codeSource = Sqlite4javaNatives.class.getProtectionDomain().getCodeSource();
        if (codeSource != null && codeSource.getLocation() != null) {
            locations.add(codeSource.getLocation());
        }
        ClassLoader loader = Sqlite4javaNatives.class.getClassLoader();
        Enumeration<URL> folders = loader.getResources(RESOURCE_FOLDER);
        while (folders.hasMoreElements()) {
            URL location = classpathEntryOf(folders.nextElement());
            if (location != null) {
                locations.add(location);
            }
        }
        return new ArrayList<>(locations);
    }

    private static URL classpathEntryOf(URL folderUrl) throws IOException {
        if ("file".equals(folderUrl.getProtocol())) {
            return toPath(folderUrl).getParent().toUri().toURL();
        }
        URLConnection connection = folderUrl.openConnection();
        if (connection instanceof JarURLConnection jarConnection) {
            return jarConnection.getJarFileURL();
        }
        return null;
    }

    /**
     * Copies every file of {@value #RESOURCE_FOLDER}/ found in one classpath entry.
     *
     * @param classpathEntry a jar file or a classpath directory, as a {@code file:} URL
     * @return the names of the files copied into {@code target}
     */
    static Set<String> extract(URL classpathEntry, Path target) throws IOException {
        if (!"file".equals(classpathEntry.getProtocol())) {
            return Set.of();
        }
        Path entry = toPath(classpathEntry);
        if (Files.isDirectory(entry)) {
            return extractFromDirectory(entry.resolve(RESOURCE_FOLDER), target);
        }
        if (Files.isRegularFile(entry)) {
            return extractFromJar(entry, target);
        }
        return Set.of();
    }

    private static Set<String> extractFromDirectory(Path folder, Path target) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        if (!Files.isDirectory(folder)) {
            return names;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = file.getFileName().toString();
                Files.copy(file, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                names.add(name);
            }
        }
        return names;
    }

    private static Set<String> extractFromJar(Path jar, Path target) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        String prefix = RESOURCE_FOLDER + "/";
        try (JarFile jarFile = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = jarFile.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                if (entry.isDirectory() || !entry.getName().startsWith(prefix)) {
                    continue;
                }
                String name = entry.getName().substring(prefix.length());
                if (name.isEmpty() || name.contains("/")) {
                    continue;
                }
                try (InputStream in = jarFile.getInputStream(entry)) {
                    Files.copy(in, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
                names.add(name);
            }
        }
        return names;
    }

    private static Path toPath(URL url) {
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            return Path.of(URI.create(url.toString().replace(" ", "%20")));
        }
    }
}
