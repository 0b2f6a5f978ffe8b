package ai.joinchat.push.tools;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.SignatureVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code import-bindings FILE.csv} (see {@link #USAGE}): brings a JoinChat customer's existing
 * uuid / phone / email → PSID mappings into this system through {@code POST /api/bindings}
 * (contract section 4b), 100 rows per request, signed in the classic form, with a progress line per
 * batch and a summary naming the rejected rows by their line in the file. Normalisation and
 * validation are the server's; importing is idempotent, so an interrupted import can be run again.
 */
public final class ImportBindingsCommand {

    static final int BATCH_SIZE = 100;
    /** Local mode's address, demo page and its api_secret (docs/local-mode.md, "Demo credentials"). */
    static final String DEFAULT_BASE_URL = "http://127.0.0.1:3000";
    static final String DEFAULT_PAGE_ID = "1234567890";
    static final String DEFAULT_API_SECRET = "demo-api-secret";
    private static final List<String> CONTACT_COLUMNS = List.of("uuid", "phone", "email");
    private static final int ATTEMPTS = 3;

    static final String USAGE = """
            Usage: import-bindings FILE.csv
              Imports uuid / phone / email -> PSID bindings through POST /api/bindings, 100 rows a request.
              FILE.csv has a header row and one binding per row, either
                psid,uuid        (or psid,phone, psid,email, or psid,uuid,phone,email with one value per row)
              or
                psid,type,value  (type: uuid, phone or email)
            Environment:
              JOINCHAT_BASE_URL    the API (default http://127.0.0.1:3000, local mode)
              JOINCHAT_PAGE_ID     the page the bindings belong to (default 1234567890)
              JOINCHAT_API_SECRET  the page's api_secret, signs each request (default demo-api-secret)
            Exit status: 0 every row imported, 1 some rows rejected, 2 bad usage or file,
              3 a request failed (rows before the reported line are imported; running again is safe).
            """;

    /** One data row of the file: its line number and the binding object to send. */
    record Row(int line, ObjectNode binding) {
    }

    private final HttpClient http;
    private final PrintStream out;
    private final PrintStream err;

    ImportBindingsCommand(HttpClient http, PrintStream out, PrintStream err) {
        this.http = http;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        System.exit(new ImportBindingsCommand(http, System.out, System.err).run(args, System.getenv()));
    }

    /** Runs the command; returns the process exit status. */
    int run(String[] args, Map<String, String> environment) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.print(USAGE);
            return 0;
        }
        if (args.length != 1 || args[0].startsWith("-")) {
            err.print(USAGE);
            return 2;
        }
        String baseUrl = setting(environment, "JOINCHAT_BASE_URL", DEFAULT_BASE_URL).replaceAll("/+$", "");
        String pageId = setting(environment, "JOINCHAT_PAGE_ID", DEFAULT_PAGE_ID);
        String secret = setting(environment, "JOINCHAT_API_SECRET", DEFAULT_API_SECRET);
        List<Row> rows;
        try {
            rows = readRows(Path.of(args[0]));
        } catch (IOException e) {
            err.println("cannot read " + args[0] + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 2;
        }
        if (rows.isEmpty()) {
            err.println(args[0] + ": no bindings after the header row");
            return 2;
        }
        URI target = URI.create(baseUrl + "/api/bindings");
        int batches = (rows.size() + BATCH_SIZE - 1) / BATCH_SIZE;
        out.println("importing " + rows.size() + " bindings for page " + pageId + " into " + target
                + " (" + batches + (batches == 1 ? " request)" : " requests)"));

        int imported = 0;
        List<String> rejections = new ArrayList<>();
        for (int batch = 0; batch < batches; batch++) {
            List<Row> slice = rows.subList(batch * BATCH_SIZE, Math.min(rows.size(), (batch + 1) * BATCH_SIZE));
            ObjectNode body = Json.object().put("page_id", pageId);
            ArrayNode bindings = body.putArray("bindings");
            slice.forEach(row -> bindings.add(row.binding()));
            Optional<JsonNode> answer = post(target, Json.writeBytes(body), secret, slice.get(0).line());
            if (answer.isEmpty()) {
                out.println("stopped at line " + slice.get(0).line() + ": " + imported
                        + " bindings imported before it; running the import again is safe");
                return 3;
            }
            int batchImported = answer.get().path("imported").asInt();
            int batchRejected = 0;
            for (JsonNode rejected : answer.get().path("rejected")) {
                int index = rejected.path("index").asInt(-1);
                String line = index >= 0 && index < slice.size() ? Integer.toString(slice.get(index).line()) : "?";
                rejections.add("  line " + line + ": " + rejected.path("reason").asText());
                batchRejected++;
            }
            imported += batchImported;
            out.println("batch " + (batch + 1) + "/" + batches + " (lines " + slice.get(0).line() + "-"
                    + slice.get(slice.size() - 1).line() + "): imported " + batchImported + ", rejected " + batchRejected);
        }
        out.println("done: " + imported + " of " + rows.size() + " bindings imported, " + rejections.size() + " rejected"
                + (rejections.isEmpty() ? "" : ":"));
        rejections.forEach(out::println);
        return rejections.isEmpty() ? 0 : 1;
    }

    /** The answer of a 200, or empty after explaining why there is none; 429, 5xx and I/O errors are tried again. */
    private Optional<JsonNode> post(URI target, byte[] body, String secret, int firstLine) {
        HttpRequest request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .header("x-joinchat-signature", new SignatureVerifier().sign(body, secret))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        String batch = "the batch starting at line " + firstLine;
        try {
            for (int attempt = 1; ; attempt++) {
                String problem;
                try {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    int status = response.statusCode();
                    if (status == 200) {
                        Optional<JsonNode> answer = Json.parse(response.body().getBytes(StandardCharsets.UTF_8))
                                .filter(JsonNode::isObject);
                        if (answer.isEmpty()) {
                            err.println("line " + firstLine + ": the API answered 200 without a JSON object");
                        }
                        return answer;
                    }
                    problem = "HTTP " + status + " " + response.body();
                    if (status != 429 && status < 500) {
                        err.println(batch + " was refused: " + problem);
                        return Optional.empty();
                    }
                } catch (IOException e) {
                    problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                }
                if (attempt >= ATTEMPTS) {
                    err.println(batch + " failed " + ATTEMPTS + " times: " + problem);
                    return Optional.empty();
                }
                err.println(batch + " failed (" + problem + "); retrying");
                Thread.sleep(1000L * attempt);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The file's data rows as binding objects.
     *
     * @throws IllegalArgumentException when the header names neither shape, or a line is not CSV
     */
    static List<Row> readRows(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int headerIndex = 0;
        while (headerIndex < lines.size() && lines.get(headerIndex).isBlank()) {
            headerIndex++;
        }
        if (headerIndex == lines.size()) {
            throw new IllegalArgumentException("empty file; the first line must be a header such as psid,uuid");
        }
        List<String> header = fields(lines.get(headerIndex).replaceFirst("^\uFEFF", ""), headerIndex + 1).stream()
                .map(name -> name.trim().toLowerCase(Locale.ROOT)).toList();
        int psid = header.indexOf("psid");
        int type = header.indexOf("type");
        int value = header.indexOf("value");
        List<Integer> contacts = CONTACT_COLUMNS.stream().map(header::indexOf).toList();
        boolean typed = type >= 0 && value >= 0;
        if (psid < 0 || (!typed && contacts.stream().allMatch(i -> i < 0))) {
            throw new IllegalArgumentException("line " + (headerIndex + 1) + ": the header must name psid and uuid, phone"
                    + " or email (e.g. psid,uuid), or psid,type,value; found " + String.join(",", header));
        }
        List<Row> rows = new ArrayList<>();
        for (int i = headerIndex + 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> row = fields(lines.get(i), i + 1);
            ObjectNode binding = Json.object();
            put(binding, "psid", cell(row, psid));
            if (typed) {
                String kind = cell(row, type).toLowerCase(Locale.ROOT);
                if (CONTACT_COLUMNS.contains(kind)) {
                    put(binding, kind, cell(row, value)); // any other type: the API rejects the row
                }
            } else {
                for (int c = 0; c < CONTACT_COLUMNS.size(); c++) {
                    put(binding, CONTACT_COLUMNS.get(c), cell(row, contacts.get(c)));
                }
            }
            rows.add(new Row(i + 1, binding));
        }
        return rows;
    }

    private static void put(ObjectNode binding, String field, String value) {
        if (!value.isEmpty()) {
            binding.put(field, value);
        }
    }

    private static String cell(List<String> row, int column) {
        return column >= 0 && column < row.size() ? row.get(column).trim() : "";
    }

    /** The fields of one CSV line: commas separate, double quotes enclose, {@code ""} is a quote. */
    static List<String> fields(String line, int lineNumber) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.toString().isBlank()) {
                field.setLength(0);
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("line " + lineNumber + ": a quoted field is not closed");
        }
        fields.add(field.toString());
        return fields;
    }

    private static String setting(Map<String, String> environment, String name, String fallback) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
