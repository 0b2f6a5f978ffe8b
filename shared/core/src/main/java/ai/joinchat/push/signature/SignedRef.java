package ai.joinchat.push.signature;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A uuid ref as a developer puts it in an m.me link or the chat plugin's {@code data-ref}
 * (contract section 6): unsigned {@code uuid=<uuid>}, or signed {@code uuid=<uuid>;sig=<base64url
 * without padding of HMAC-SHA256(key = api_secret, data = "<page_id>:<uuid>")>}; the page id stops
 * a ref made for one page from binding on another. Padded and standard Base64 are accepted too;
 * every odd input verifies {@code false}. Thread-safe.
 *
 * @param uuid      the uuid as written in the ref (validated by the caller as a recipient uuid)
 * @param signature the text after {@code ;sig=}, or null for an unsigned ref
 */
public record SignedRef(String uuid, String signature) {

    static final String PREFIX = "uuid=";
    static final String SIGNATURE_SEPARATOR = ";sig=";
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/_-]{40,48}={0,2}");

    /** Reads a ref; empty when it is not a uuid ref. The last {@code ;sig=} separates the signature. */
    public static Optional<SignedRef> parse(String ref) {
        if (ref == null || !ref.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = ref.substring(PREFIX.length());
        int separator = rest.lastIndexOf(SIGNATURE_SEPARATOR);
        if (separator < 0) {
            return Optional.of(new SignedRef(rest, null));
        }
        return Optional.of(new SignedRef(rest.substring(0, separator), rest.substring(separator + SIGNATURE_SEPARATOR.length())));
    }

    public boolean signed() {
        return signature != null;
    }

    /** True when the ref is signed and the signature is the HMAC of {@code "<pageId>:<uuid>"} under one of the keys. */
    public boolean verify(String pageId, List<String> apiSecrets) {
        return signature != null && pageId != null && uuid != null && BASE64.matcher(signature).matches()
                && SignatureVerifier.matches(signature, apiSecrets, data(pageId, uuid));
    }

    /** The whole signed ref, {@code uuid=<uuid>;sig=<signature>}. */
    public static String signedRef(String pageId, String uuid, String apiSecret) {
        return PREFIX + uuid + SIGNATURE_SEPARATOR
                + Base64.getUrlEncoder().withoutPadding().encodeToString(Sha256.hmac(apiSecret, data(pageId, uuid)));
    }

    private static byte[] data(String pageId, String uuid) {
        return (pageId + ":" + uuid).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SignedRef[signed=" + signed() + "]";
    }
}
