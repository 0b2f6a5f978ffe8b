package ai.joinchat.push.bench;

import java.util.Arrays;
import java.util.Locale;

/** Latencies of one scenario (nanoseconds) and the wall time they took: percentiles and throughput. */
record Samples(long[] nanos, long wallNanos) {

    static Samples of(long[] nanos, long wallNanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Samples(sorted, wallNanos);
    }

    int count() {
        return nanos.length;
    }

    /** The nearest-rank percentile in milliseconds; {@code p} in (0, 100]. */
    double percentileMillis(double p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * nanos.length);
        return nanos[Math.max(0, Math.min(nanos.length - 1, rank - 1))] / 1e6;
    }

    double p50() {
        return percentileMillis(50);
    }

    double p99() {
        return percentileMillis(99);
    }

    double p999() {
        return percentileMillis(99.9);
    }

    double perSecond() {
        return wallNanos <= 0 ? Double.NaN : nanos.length / (wallNanos / 1e9);
    }

    static String millis(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f ms", value);
    }
}
