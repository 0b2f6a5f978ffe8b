package ai.joinchat.push.secrets;

import ai.joinchat.push.DependencyUnavailableException;

import java.util.Optional;
import java.util.function.Function;

/**
 * What a secret lookup found: the value, the store's word that there is none, or nothing yet
 * because the lookup was not made (a limit protecting Secrets Manager refused it). A lookup that
 * was not made is never "absent": only {@link Absent} may be answered as "not configured".
 * Infrastructure failures are not outcomes: they throw {@link DependencyUnavailableException}.
 */
public sealed interface SecretLookup<T> {

    /** The secret exists; its value. */
    record Found<T>(T value) implements SecretLookup<T> {
        @Override
        public String toString() {
            return "Found[redacted]";
        }
    }

    /** The store said there is no such secret (or it is not the documented JSON). */
    record Absent<T>() implements SecretLookup<T> {
    }

    /** No lookup was made in time; the secret may exist. Retry later. */
    record Deferred<T>() implements SecretLookup<T> {
    }

    static <T> SecretLookup<T> of(Optional<T> value) {
        return value.<SecretLookup<T>>map(Found::new).orElseGet(Absent::new);
    }

    /** The value, parsed or filtered: a found value that {@code parse} refuses counts as absent. */
    default <R> SecretLookup<R> flatMap(Function<T, Optional<R>> parse) {
        if (this instanceof Found<T> found) {
            return of(parse.apply(found.value()));
        }
        return this instanceof Deferred<T> ? new Deferred<>() : new Absent<>();
    }

    /** The value when found; empty when absent or deferred (check {@link #deferred()} first). */
    default Optional<T> found() {
        return this instanceof Found<T> found ? Optional.of(found.value()) : Optional.empty();
    }

    default boolean deferred() {
        return this instanceof Deferred;
    }

    /**
     * Found or absent; a deferred lookup throws a transient {@link DependencyUnavailableException},
     * so a caller that retries on those (the webhook's 500, the worker's redelivery) retries this too.
     */
    default Optional<T> decided() {
        if (deferred()) {
            throw new DependencyUnavailableException("Secrets Manager",
                    new IllegalStateException("lookup deferred: this container's lookup limit is spent for now"));
        }
        return found();
    }
}
