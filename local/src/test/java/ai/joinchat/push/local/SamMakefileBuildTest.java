package ai.joinchat.push.local;

import ai.joinchat.push.local.aws.template.SamTemplate;
import ai.joinchat.push.local.aws.template.ServerlessFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each function's {@code build-<LogicalId>} target, called the way SAM CLI's makefile build method
 * calls it ({@code make --makefile <CodeUri>/Makefile build-<LogicalId>} in a scratch directory,
 * {@code ARTIFACTS_DIR} in the environment), leaves a Lambda deployment package with the handler
 * class at its root. The jars come from this reactor build ({@code BUILD_JARS=true} skips the
 * Maven step; {@code .ci/run} runs the targets with it from a clean clone).
 */
class SamMakefileBuildTest {

    private static final Path ROOT = LocalMode.findRepositoryRoot();
    private static final SamTemplate TEMPLATE = SamTemplate.read(ROOT.resolve("template.yaml"));

    @Test
    void eachBuildTargetUnpacksItsFunctionWithTheHandlerClassAtTheRoot(@TempDir Path temp) throws Exception {
        assumeTrue(commandWorks("make", "--version"), "make is not installed");
        for (ServerlessFunction function : TEMPLATE.functions()) {
            assumeTrue(Files.isRegularFile(ROOT.resolve(function.builtJar())), "not built yet: " + function.builtJar());
        }
        for (ServerlessFunction function : TEMPLATE.functions()) {
            Path scratch = Files.createDirectories(temp.resolve("scratch-" + function.logicalId()));
            Path artifacts = temp.resolve("artifacts-" + function.logicalId());
            Path makefile = ROOT.resolve(function.codeUri()).resolve("Makefile");

            ProcessBuilder make = new ProcessBuilder("make", "--makefile", makefile.toString(),
                    "build-" + function.logicalId(), "BUILD_JARS=true")
                    .directory(scratch.toFile())
                    .redirectErrorStream(true);
            make.environment().put("ARTIFACTS_DIR", artifacts.toString());
            Process process = make.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "make did not finish");
            assertEquals(0, process.exitValue(), "make build-" + function.logicalId() + ":\n" + output);

            String handlerClass = function.handler().split("::")[0];
            Path classFile = artifacts.resolve(handlerClass.replace('.', '/') + ".class");
            assertTrue(Files.isRegularFile(classFile), "missing in ARTIFACTS_DIR: " + artifacts.relativize(classFile));
            assertTrue(Files.isDirectory(artifacts.resolve("software/amazon/awssdk")),
                    "dependencies are unpacked next to the handler");
            try (var files = Files.list(scratch)) {
                assertEquals(List.of(), files.toList(), "the build writes nothing into SAM's scratch directory");
            }
        }
    }

    /**
     * The reactor build that runs this test has just packaged the function jars (and copied them to
     * functions/*&#47;lib): the build target finds them fresh and runs no Maven, which a {@code mvn}
     * on its PATH that fails would show.
     */
    @Test
    void afterTheReactorBuildTheBuildTargetFindsTheJarsFreshAndRunsNoMaven(@TempDir Path temp) throws Exception {
        assumeTrue(commandWorks("make", "--version"), "make is not installed");
        ServerlessFunction function = TEMPLATE.function("SendApiFunction");
        assumeTrue(Files.isRegularFile(ROOT.resolve(function.builtJar())), "not built yet: " + function.builtJar());
        Path noMaven = Files.createDirectories(temp.resolve("no-maven"));
        Path mvn = Files.writeString(noMaven.resolve("mvn"), "#!/bin/sh\necho \"Maven ran: mvn $*\" >&2\nexit 97\n");
        assertTrue(mvn.toFile().setExecutable(true));
        Path scratch = Files.createDirectories(temp.resolve("scratch"));

        ProcessBuilder make = new ProcessBuilder("make", "--makefile",
                ROOT.resolve(function.codeUri()).resolve("Makefile").toString(), "build-SendApiFunction")
                .directory(scratch.toFile())
                .redirectErrorStream(true);
        make.environment().put("ARTIFACTS_DIR", temp.resolve("artifacts").toString());
        make.environment().put("PATH", noMaven + java.io.File.pathSeparator + System.getenv("PATH"));
        long started = System.nanoTime();
        Process process = make.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "make did not finish");
        assertEquals(0, process.exitValue(), "make ran Maven although the reactor had just built the jars "
                + "(or a source is newer than them: build with -am):\n" + output);
        assertTrue(output.contains("The function jars are up to date."), output);
        System.out.printf("build-SendApiFunction with fresh jars: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    void buildTargetWithoutArtifactsDirFailsWithAClearMessage(@TempDir Path temp) throws Exception {
        assumeTrue(commandWorks("make", "--version"), "make is not installed");
        ServerlessFunction function = TEMPLATE.function("SendApiFunction");
        ProcessBuilder make = new ProcessBuilder("make", "--makefile",
                ROOT.resolve(function.codeUri()).resolve("Makefile").toString(), "build-SendApiFunction", "BUILD_JARS=true")
                .directory(temp.toFile())
                .redirectErrorStream(true);
        make.environment().remove("ARTIFACTS_DIR");
        Process process = make.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertTrue(process.exitValue() != 0, output);
        assertTrue(output.contains("ARTIFACTS_DIR is not set"), output);
    }

    private static boolean commandWorks(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
