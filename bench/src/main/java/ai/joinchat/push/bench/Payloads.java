package ai.joinchat.push.bench;

import java.util.concurrent.atomic.AtomicLong;

/** The request and webhook bodies the benchmark sends; every PSID and mid is new unless asked otherwise. */
final class Payloads {

    private static final AtomicLong NEXT = new AtomicLong(System.currentTimeMillis() % 1_000_000 * 1_000_000L);

    private final String pageId;

    Payloads(String pageId) {
        this.pageId = pageId;
    }

    static String newPsid() {
        return Long.toString(3_000_000_000_000_000L + NEXT.incrementAndGet());
    }

    static String newMid() {
        return "m_bench_event_" + NEXT.incrementAndGet();
    }

    String textMessage(String psid) {
        return "{\"page_id\":\"" + pageId + "\",\"recipient\":{\"id\":\"" + psid + "\"},"
                + "\"message\":{\"template_type\":\"text\",\"text\":\"Your order #1234 has shipped and arrives tomorrow.\"}}";
    }

    String webhook(String events) {
        return "{\"object\":\"page\",\"entry\":[{\"id\":\"" + pageId + "\",\"time\":" + System.currentTimeMillis()
                + ",\"messaging\":[" + events + "]}]}";
    }

    /** The page's own message coming back; {@code metadata} carries our message id. */
    String echo(String psid, String mid, String metadata, long timestamp) {
        return "{\"sender\":{\"id\":\"" + pageId + "\"},\"recipient\":{\"id\":\"" + psid + "\"},\"timestamp\":" + timestamp
                + ",\"message\":{\"is_echo\":true,\"app_id\":1517000000000000,\"mid\":\"" + mid + "\""
                + (metadata == null ? "" : ",\"metadata\":\"" + metadata + "\"")
                + ",\"text\":\"Your order #1234 has shipped and arrives tomorrow.\"}}";
    }

    String delivery(String psid, String mid, long watermark) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + pageId + "\"},\"timestamp\":" + watermark
                + ",\"delivery\":{\"mids\":[\"" + mid + "\"],\"watermark\":" + watermark + "}}";
    }

    String read(String psid, long watermark) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + pageId + "\"},\"timestamp\":" + watermark
                + ",\"read\":{\"watermark\":" + watermark + "}}";
    }

    String referral(String psid, long timestamp) {
        return "{\"sender\":{\"id\":\"" + psid + "\"},\"recipient\":{\"id\":\"" + pageId + "\"},\"timestamp\":" + timestamp
                + ",\"referral\":{\"ref\":\"campaign=spring\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}}";
    }

    /**
     * {@code count} events in one POST, a third each echoes (of messages this system never sent),
     * delivery receipts and referrals, each from its own user.
     */
    String mixedWebhook(int count) {
        StringBuilder events = new StringBuilder();
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                events.append(',');
            }
            String psid = newPsid();
            switch (i % 3) {
                case 0 -> events.append(echo(psid, newMid(), null, now));
                case 1 -> events.append(delivery(psid, newMid(), now));
                default -> events.append(referral(psid, now));
            }
        }
        return webhook(events.toString());
    }
}
