package ai.joinchat.push.local;

import java.util.Arrays;

/**
 * {@code java -jar local/target/joinchat-local.jar [run|sign|import-bindings] ...}: {@code run} (the
 * default) starts local mode, {@code sign} prints a request signature, {@code import-bindings}
 * imports a CSV file of bindings through {@code POST /api/bindings}.
 */
public final class LocalCommandLine {

    private static final String USAGE = """
            Usage: java -jar local/target/joinchat-local.jar [command] [options]
              run    (default) start local mode; see run --help
              sign   print the signature of a request body; see sign --help
              import-bindings FILE.csv   import uuid/phone/email -> PSID bindings; see import-bindings --help
            """;

    private LocalCommandLine() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 || args[0].startsWith("--") ? "run" : args[0];
        String[] rest = args.length == 0 || args[0].startsWith("--") ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "run" -> LocalMode.main(rest);
            case "sign" -> SignCommand.main(rest);
            case "import-bindings" -> ImportBindingsCommand.main(rest);
            case "help", "-h" -> System.out.print(USAGE);
            default -> {
                System.err.println("unknown command: " + command);
                System.err.print(USAGE);
                System.exit(2);
            }
        }
    }
}
