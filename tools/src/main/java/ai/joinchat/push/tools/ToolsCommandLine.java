package ai.joinchat.push.tools;

import java.util.Arrays;

/**
 * {@code java -jar tools/target/joinchat-tools.jar <sign|import-bindings|pages|migrate-records> ...},
 * behind {@code bin/sign}, {@code bin/import-bindings}, {@code bin/pages} and {@code bin/migrate-records}:
 * {@code sign} prints a request signature, {@code import-bindings} imports a CSV file of bindings
 * through {@code POST /api/bindings}, {@code pages} adds, rotates, configures and removes pages in
 * Secrets Manager, {@code migrate-records} moves earlier versions' records to the current layout.
 */
public final class ToolsCommandLine {

    private static final String USAGE = """
            Usage: java -jar tools/target/joinchat-tools.jar <command> [options]
              sign   print the signature of a request body; see sign --help
              import-bindings FILE.csv   import uuid/phone/email -> PSID bindings; see import-bindings --help
              pages  add, rotate, configure, list and remove pages; see pages --help
              migrate-records --table NAME   move earlier versions' records to this layout; see migrate-records --help
            """;

    private ToolsCommandLine() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "sign" -> SignCommand.main(rest);
            case "import-bindings" -> ImportBindingsCommand.main(rest);
            case "pages" -> PagesCommand.main(rest);
            case "migrate-records" -> MigrateRecordsCommand.main(rest);
            case "help", "-h", "--help" -> System.out.print(USAGE);
            default -> {
                System.err.println("unknown command: " + command);
                System.err.print(USAGE);
                System.exit(2);
            }
        }
    }
}
