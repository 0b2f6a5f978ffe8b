package ai.joinchat.push.bench.jmh;

/** Webhook bodies for the microbenchmarks: fixed ids, so every run parses the same bytes. */
final class WebhookSamples {

    private WebhookSamples() {
    }

    /** {@code count} events of one page: a third each echoes with metadata, delivery receipts and referrals. */
    static String mixed(int count) {
        StringBuilder events = new StringBuilder();
        long now = 1_764_000_000_000L;
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                events.append(',');
            }
            String psid = Long.toString(3_000_000_000_000_000L + i);
            switch (i % 3) {
                case 0 -> events.append("{\"sender\":{\"id\":\"1234567890\"},\"recipient\":{\"id\":\"").append(psid)
                        .append("\"},\"timestamp\":").append(now).append(",\"message\":{\"is_echo\":true,\"app_id\":1517000000000000,")
                        .append("\"mid\":\"m_").append(i).append("\",\"metadata\":\"msg-").append(i)
                        .append("\",\"text\":\"Your order has shipped.\"}}");
                case 1 -> events.append("{\"sender\":{\"id\":\"").append(psid).append("\"},\"recipient\":{\"id\":\"1234567890\"},")
                        .append("\"timestamp\":").append(now).append(",\"delivery\":{\"mids\":[\"m_").append(i)
                        .append("\"],\"watermark\":").append(now).append("}}");
                default -> events.append("{\"sender\":{\"id\":\"").append(psid).append("\"},\"recipient\":{\"id\":\"1234567890\"},")
                        .append("\"timestamp\":").append(now).append(",\"referral\":{\"ref\":\"uuid=user-").append(i)
                        .append("\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_THREAD\"}}");
            }
        }
        return "{\"object\":\"page\",\"entry\":[{\"id\":\"1234567890\",\"time\":" + now + ",\"messaging\":[" + events + "]}]}";
    }
}
