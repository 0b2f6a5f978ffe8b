package ai.joinchat.push.store;

import java.util.Objects;

/**
 * One binding a page owner imports (contract section 4b): a normalised contact key such as
 * {@code uuid:abc}, {@code phone:+8491234567} or {@code email:a@b.com}, and the PSID it belongs to.
 */
public record ImportedBinding(String contactKey, String psid) {

    public ImportedBinding {
        Objects.requireNonNull(contactKey, "contactKey");
        Objects.requireNonNull(psid, "psid");
    }
}
