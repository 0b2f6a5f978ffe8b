package ai.joinchat.push.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every relative link in the Markdown docs points somewhere: its file (or folder) exists in the
 * repository, and its {@code #anchor} is the GitHub slug of a heading in the linked file. Links
 * inside code (fenced blocks, {@code `spans`}) and absolute URLs are not checked.
 */
class MarkdownLinksTest {

    private static final Path ROOT = LocalMode.findRepositoryRoot();

    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Pattern CODE_SPAN = Pattern.compile("`+[^`]*`+");
    private static final Pattern INLINE_LINK = Pattern.compile("\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_LINK = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    @Test
    void everyRelativeLinkAndAnchorInTheDocsResolves() {
        assertEquals(List.of(), brokenLinks(documents()));
    }

    @Test
    void aLinkToAMissingFileIsReported(@TempDir Path dir) throws IOException {
        Path readme = write(dir.resolve("README.md"), "See [the guide](docs/guide.md) and [ok](README.md).\n");

        assertEquals(List.of(readme.getFileName() + ":1: docs/guide.md (no such file)"), brokenLinks(dir, List.of(readme)));
    }

    @Test
    void anAnchorThatIsNoHeadingOfTheLinkedFileIsReported(@TempDir Path dir) throws IOException {
        write(dir.resolve("docs/api.md"), "# API\n\n## Delivery lifecycle and `POST /api/message_status`\n");
        Path readme = write(dir.resolve("README.md"), String.join("\n",
                "[ok](docs/api.md#delivery-lifecycle-and-post-apimessage_status)",
                "[moved](docs/api.md#webhook-and-bindings)",
                "[here](#nowhere)",
                "# Title", ""));

        assertEquals(List.of(
                        "README.md:2: docs/api.md#webhook-and-bindings (no such heading)",
                        "README.md:3: #nowhere (no such heading)"),
                brokenLinks(dir, List.of(readme)));
    }

    @Test
    void linksInCodeAndAbsoluteUrlsAreNotChecked(@TempDir Path dir) throws IOException {
        Path readme = write(dir.resolve("README.md"), String.join("\n",
                "```", "[in a block](missing.md)", "```",
                "`[in a span](missing.md)` and [a site](https://example.com/missing.md)", ""));

        assertEquals(List.of(), brokenLinks(dir, List.of(readme)));
    }

    @Test
    void slugsFollowGitHub() {
        assertEquals(List.of("what-an-answer-promises", "importing-bindings-post-apibindings",
                        "1-your-own-facebook-app", "sam-local-invoke", "operating-it", "operating-it-1"),
                slugs(List.of("## What an answer promises", "## Importing bindings: `POST /api/bindings`",
                        "## 1. Your own Facebook app", "## `sam local invoke`", "# Operating it", "## Operating it")));
    }

    /** README.md, docs/*.md and every other README.md of the repository (build output and dot folders aside). */
    private static List<Path> documents() {
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"));
             Stream<Path> readmes = Files.walk(ROOT, 3)) {
            List<Path> documents = new ArrayList<>(readmes
                    .filter(path -> path.getFileName().toString().equals("README.md"))
                    .filter(path -> !ignored(ROOT.relativize(path)))
                    .sorted().toList());
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean ignored(Path relative) {
        for (Path segment : relative) {
            String name = segment.toString();
            if (name.startsWith(".") || name.equals("target") || name.equals("node_modules")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> brokenLinks(List<Path> documents) {
        return brokenLinks(ROOT, documents);
    }

    /** Each broken link as {@code <file relative to root>:<line>: <target> (<why>)}. */
    static List<String> brokenLinks(Path root, List<Path> documents) {
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> broken = new ArrayList<>();
        for (Path document : documents) {
            List<String> lines = outsideCodeBlocks(read(document));
            for (int index = 0; index < lines.size(); index++) {
                String where = root.relativize(document) + ":" + (index + 1) + ": ";
                for (String target : targets(lines.get(index))) {
                    problem(root, document, target, anchors).ifPresent(why -> broken.add(where + target + " (" + why + ")"));
                }
            }
        }
        return broken;
    }

    private static Optional<String> problem(Path root, Path document, String target, Map<Path, Set<String>> anchors) {
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path linked = path.isEmpty() ? document : document.getParent().resolve(path).normalize();
        if (!linked.startsWith(root) || !Files.exists(linked)) {
            return Optional.of("no such file");
        }
        if (anchor == null || anchor.isEmpty() || Files.isDirectory(linked) || !linked.toString().endsWith(".md")) {
            return Optional.empty();
        }
        Set<String> headings = anchors.computeIfAbsent(linked, file -> new LinkedHashSet<>(slugs(outsideCodeBlocks(read(file)))));
        return headings.contains(anchor) ? Optional.empty() : Optional.of("no such heading");
    }

    /** The relative link targets of one line outside code blocks (code spans aside). */
    private static List<String> targets(String line) {
        String prose = CODE_SPAN.matcher(line).replaceAll("");
        List<String> targets = new ArrayList<>();
        Matcher inline = INLINE_LINK.matcher(prose);
        while (inline.find()) {
            targets.add(inline.group(1));
        }
        Matcher reference = REFERENCE_LINK.matcher(prose);
        if (reference.matches()) {
            targets.add(reference.group(1));
        }
        targets.removeIf(target -> SCHEME.matcher(target).find() || target.startsWith("//"));
        return targets;
    }

    /** The document's lines with fenced code blocks blanked, so line numbers stay those of the file. */
    private static List<String> outsideCodeBlocks(String markdown) {
        List<String> lines = new ArrayList<>();
        boolean inFence = false;
        for (String line : markdown.split("\n", -1)) {
            boolean fence = FENCE.matcher(line).find();
            inFence ^= fence;
            lines.add(fence || inFence ? "" : line);
        }
        return lines;
    }

    /** GitHub's anchors for the headings among these lines, duplicates numbered -1, -2, ... */
    static List<String> slugs(List<String> lines) {
        List<String> slugs = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : lines) {
            Matcher heading = HEADING.matcher(line);
            if (!heading.matches()) {
                continue;
            }
            String text = heading.group(1)
                    .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                    .replace("`", "")
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "")
                    .replace(' ', '-');
            int count = seen.merge(text, 1, Integer::sum);
            slugs.add(count == 1 ? text : text + "-" + (count - 1));
        }
        return slugs;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }
}
