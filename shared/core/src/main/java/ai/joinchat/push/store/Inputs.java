package ai.joinchat.push.store;

import java.time.Instant;

/** The values one run of a {@link Lifecycle.Transition} writes and compares with; any may be null where unused. */
public record Inputs(Instant now, String pageId, String psid, String facebookMessageId, Instant sentAt,
                     DeliveryError error, Instant leaseUntil, String claimToken, Instant expiresAt,
                     Instant decideBy, String resendBody, String appId, Long watermark) {

    public static Inputs at(Instant now) {
        return new Inputs(now, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public Inputs withPage(String page) {
        return new Inputs(now, page, psid, facebookMessageId, sentAt, error, leaseUntil, claimToken, expiresAt,
                decideBy, resendBody, appId, watermark);
    }

    public Inputs withError(DeliveryError e) {
        return new Inputs(now, pageId, psid, facebookMessageId, sentAt, e, leaseUntil, claimToken, expiresAt,
                decideBy, resendBody, appId, watermark);
    }

    /** Facebook's id of the message, its PSID, and the time it stands for in receipts' comparisons till its echo. */
    public Inputs withSent(String mid, String toPsid, Instant at) {
        return new Inputs(now, pageId, toPsid, mid, at, error, leaseUntil, claimToken, expiresAt, decideBy,
                resendBody, appId, watermark);
    }

    public Inputs withClaim(Instant until, String token) {
        return new Inputs(now, pageId, psid, facebookMessageId, sentAt, error, until, token, expiresAt, decideBy,
                resendBody, appId, watermark);
    }

    public Inputs withExpiry(Instant at) {
        return new Inputs(now, pageId, psid, facebookMessageId, sentAt, error, leaseUntil, claimToken, at, decideBy,
                resendBody, appId, watermark);
    }

    /** The queued copy a failed record keeps so that it can be resent ({@code null}: not resendable). */
    public Inputs withResendBody(String body) {
        return new Inputs(now, pageId, psid, facebookMessageId, sentAt, error, leaseUntil, claimToken, expiresAt,
                decideBy, body, appId, watermark);
    }

    /** The app that sent the echoed message, as the echo names it. */
    public Inputs withAppId(String app) {
        return new Inputs(now, pageId, psid, facebookMessageId, sentAt, error, leaseUntil, claimToken, expiresAt,
                decideBy, resendBody, app, watermark);
    }

    /** A receipt's PSID and watermark (Facebook's clock, epoch millis; null when it has none). */
    public Inputs withReceipt(String toPsid, Long millis) {
        return new Inputs(now, pageId, toPsid, facebookMessageId, sentAt, error, leaseUntil, claimToken, expiresAt,
                decideBy, resendBody, appId, millis);
    }

    public Inputs withDecideBy(Instant at) {
        return new Inputs(now, pageId, psid, facebookMessageId, sentAt, error, leaseUntil, claimToken, expiresAt,
                at, resendBody, appId, watermark);
    }
}
