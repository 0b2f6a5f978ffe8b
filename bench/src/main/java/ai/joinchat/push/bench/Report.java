package ai.joinchat.push.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The benchmark's table: one row per figure, printed as Markdown so it can go into the README as is. */
final class Report {

    private record Row(String figure, String value, String note) {
    }

    private final List<Row> rows = new ArrayList<>();

    void add(String figure, String value, String note) {
        rows.add(new Row(figure, value, note == null ? "" : note));
    }

    void add(String figure, String value) {
        add(figure, value, "");
    }

    void print(PrintStream out) {
        int figureWidth = "figure".length();
        int valueWidth = "value".length();
        for (Row row : rows) {
            figureWidth = Math.max(figureWidth, row.figure().length());
            valueWidth = Math.max(valueWidth, row.value().length());
        }
        String format = "| %-" + figureWidth + "s | %-" + valueWidth + "s | %s |%n";
        out.printf(format, "figure", "value", "how");
        out.printf("|%s|%s|---|%n", "-".repeat(figureWidth + 2), "-".repeat(valueWidth + 2));
        for (Row row : rows) {
            out.printf(format, row.figure(), row.value(), row.note());
        }
        out.flush();
    }
}
