package ai.joinchat.push.store;

/**
 * The highest delivery and read watermark already applied per page and PSID: the lower bound
 * of the next receipt's query, so a receipt costs what it newly moves and a redelivered (or
 * older) receipt costs one read.
 */
public interface ReceiptWatermarks {

    /** Milliseconds; 0 when no receipt of that kind was applied yet. */
    record Applied(long delivered, long read) {
        public static final Applied NONE = new Applied(0, 0);
    }

    Applied applied(String pageId, String psid);

    /** Raises the stored delivery watermark to {@code watermark} (never lowers it). */
    void advanceDelivered(String pageId, String psid, long watermark);

    /** Raises the stored read watermark to {@code watermark} (never lowers it). */
    void advanceRead(String pageId, String psid, long watermark);

    /** Stores nothing: every receipt queries from the beginning. */
    ReceiptWatermarks NONE = new ReceiptWatermarks() {
        @Override
        public Applied applied(String pageId, String psid) {
            return Applied.NONE;
        }

        @Override
        public void advanceDelivered(String pageId, String psid, long watermark) {
        }

        @Override
        public void advanceRead(String pageId, String psid, long watermark) {
        }
    };
}
