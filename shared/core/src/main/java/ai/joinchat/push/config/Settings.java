package ai.joinchat.push.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A function's configuration: the process environment (or a given map in tests and local mode),
 * restricted to the variables that function declares it reads. Reading an undeclared variable is
 * a programming error, so the template test can rely on each function's declared set.
 */
public final class Settings {

    /**
     * Fewest days a record may be kept ({@code RECORD_RETENTION_DAYS}): it must outlive every copy
     * of its message in SQS, or a queued copy finds no record (dropped as never accepted) and a
     * dead-lettered one cannot be recorded failed. That is the dead-letter queue's 14 days from the
     * first enqueue, plus a day for the fresh copies the worker enqueues while it retries (each
     * starts a new retention). template.yaml's {@code RecordRetentionDays} declares the same bounds.
     */
    public static final int MIN_RECORD_RETENTION_DAYS = 15;
    public static final int MAX_RECORD_RETENTION_DAYS = 3650;

    private final Map<String, String> environment;
    private final Set<EnvVar> declared;

    public Settings(Map<String, String> environment, Set<EnvVar> declared) {
        this.environment = Map.copyOf(environment);
        this.declared = declared.isEmpty() ? EnumSet.noneOf(EnvVar.class) : EnumSet.copyOf(declared);
    }

    public Set<EnvVar> declared() {
        return EnumSet.copyOf(declared);
    }

    /** The raw environment, for the AWS client factory (AWS_* variables). */
    public Map<String, String> environment() {
        return environment;
    }

    public String require(EnvVar var) {
        if (!declared.contains(var)) {
            throw new IllegalStateException(var + " is read but not declared by this function");
        }
        String value = environment.get(var.name());
        if (value != null && !value.isBlank()) {
            return value.trim();
        }
        if (var.defaultValue() == null) {
            throw new IllegalStateException("environment variable " + var + " is not set (declare it in template.yaml)");
        }
        return var.defaultValue();
    }

    public int integer(EnvVar var, int min, int max) {
        String raw = require(var);
        try {
            int value = Integer.parseInt(raw);
            if (value < min || value > max) {
                throw new IllegalStateException(var + " must be between " + min + " and " + max + ", is " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(var + " must be an integer, is '" + raw + "'", e);
        }
    }

    public Duration recordRetention() {
        return Duration.ofDays(integer(EnvVar.RECORD_RETENTION_DAYS, MIN_RECORD_RETENTION_DAYS,
                MAX_RECORD_RETENTION_DAYS));
    }

    public boolean bool(EnvVar var) {
        String raw = require(var).toLowerCase(Locale.ROOT);
        return switch (raw) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalStateException(var + " must be true or false, is '" + raw + "'");
        };
    }
}
