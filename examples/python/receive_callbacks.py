"""Receives JoinChat status callbacks (Standard Webhooks 1.0) with Python's standard library only.

Verifies webhook-signature over "<webhook-id>.<webhook-timestamp>.<raw body>", refuses a timestamp
more than 5 minutes from this clock, deduplicates by webhook-id (in memory, the last 10,000), answers
204 (also to a duplicate, so the sender stops retrying) or 400, and prints one line per request:
  accepted <type> <webhook-id> | duplicate <type> <webhook-id> | rejected <webhook-id> <reason>

  JOINCHAT_CALLBACK_SECRET  the page's callback_secret (whsec_...), required
  JOINCHAT_RECEIVER_PORT    or the first argument; default 4000 (listens on 127.0.0.1 only)
"""
import base64
import collections
import hashlib
import hmac
import http.server
import json
import os
import sys
import time

TOLERANCE_SECONDS = 5 * 60
MAX_REMEMBERED = 10_000
MAX_BODY = 256 * 1024


def verify(key, webhook_id, timestamp, body, signature_header, now):
    """None when valid, else the reason."""
    if not timestamp.isdigit() or abs(int(timestamp) - now) > TOLERANCE_SECONDS:
        return "stale timestamp"
    expected = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    for entry in signature_header.split():
        version, _, signature = entry.partition(",")
        try:
            if version == "v1" and hmac.compare_digest(expected, base64.b64decode(signature, validate=True)):
                return None
        except ValueError:
            continue  # not Base64: another entry may still match
    return "bad signature"


class Receiver(http.server.BaseHTTPRequestHandler):
    key = b""
    seen = collections.OrderedDict()  # webhook-id -> None, oldest first

    def do_POST(self):
        webhook_id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        signature = self.headers.get("webhook-signature", "")
        length = int(self.headers.get("content-length") or 0)
        if not (webhook_id and timestamp and signature) or length > MAX_BODY:
            return self.answer(400, f"rejected {webhook_id or '-'} missing headers or too large")
        body = self.rfile.read(length)  # the raw bytes: verify before parsing
        reason = verify(self.key, webhook_id, timestamp, body, signature, int(time.time()))
        if reason:
            return self.answer(400, f"rejected {webhook_id} {reason}")
        event_type = json.loads(body).get("type", "?")
        if webhook_id in self.seen:
            return self.answer(204, f"duplicate {event_type} {webhook_id}")
        self.seen[webhook_id] = None
        if len(self.seen) > MAX_REMEMBERED:
            self.seen.popitem(last=False)
        # Handle the event here (data.status, data.message_id, ...); answer within 15 seconds.
        self.answer(204, f"accepted {event_type} {webhook_id}")

    def answer(self, status, line):
        print(line, flush=True)
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass  # one line per request is printed by answer()


def main():
    secret = os.environ.get("JOINCHAT_CALLBACK_SECRET", "")
    if not secret.startswith("whsec_"):
        print("JOINCHAT_CALLBACK_SECRET must be the page's callback_secret (whsec_...)", file=sys.stderr)
        return 2
    Receiver.key = base64.b64decode(secret[len("whsec_"):])
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("JOINCHAT_RECEIVER_PORT") or 4000)
    server = http.server.HTTPServer(("127.0.0.1", port), Receiver)
    print(f"listening on http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
