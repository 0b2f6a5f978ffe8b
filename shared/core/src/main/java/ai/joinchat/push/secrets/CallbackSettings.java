package ai.joinchat.push.secrets;

import ai.joinchat.push.store.Lifecycle;

import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A page's status-callback settings (contract section 8), already validated: where to POST, the
 * signing keys (the current {@code callback_secret}'s, then {@code previous_callback_secret}'s while
 * it is set) and the event types the page wants.
 */
public record CallbackSettings(URI url, List<byte[]> keys, Set<String> events) {

    public static final String CONTACT_BOUND = "contact.bound";

    /** Every event type: the lifecycle's {@code message.*} events and {@code contact.bound}. */
    public static final Set<String> TYPES = Stream.concat(Stream.of(Lifecycle.Event.values())
            .filter(e -> e.type != null).map(e -> e.type), Stream.of(CONTACT_BOUND)).collect(Collectors.toUnmodifiableSet());

    public CallbackSettings {
        keys = List.copyOf(keys);
        events = Set.copyOf(events);
    }

    @Override
    public String toString() {
        return "CallbackSettings[redacted]";
    }
}
