package ai.joinchat.push.store;

import ai.joinchat.push.Deadline;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Which PSID a page's uuid, phone or email belongs to. Keys are contact keys such as
 * {@code uuid:abc}, {@code phone:+8491234567}, {@code email:a@b.com} (already normalised).
 * A newer binding (by the event's own timestamp) replaces an older one; a redelivered older
 * event never overwrites a newer binding.
 */
public interface ContactBindings {

    /** One binding a page owner imports (contract section 4b): a contact key and the PSID it belongs to. */
    record ImportedBinding(String contactKey, String psid) {
    }

    Optional<String> psidFor(String pageId, String contactKey);

    /**
     * Returns false, changing nothing, when a newer binding already exists, or, {@code onlyIfUnbound}
     * (an unsigned ref under the page's {@code unsigned_refs: first}), when another PSID holds the contact.
     */
    boolean bind(String pageId, String contactKey, String psid, long eventTimestampMillis, String source,
                 boolean onlyIfUnbound, Deadline deadline);

    /**
     * The page owner's import (contract section 4b): each binding replaces its contact's whatever its
     * age (the owner is the authority), stamped {@code importedAt} so later webhook events can still
     * replace it. Contact keys must be distinct. Returns how many were written.
     *
     * @throws ai.joinchat.push.DependencyUnavailableException when the store fails or the deadline
     *         passes; a retry of the same import is safe (some bindings may already be written)
     */
    int importBindings(String pageId, List<ImportedBinding> bindings, Instant importedAt, Deadline deadline);
}
