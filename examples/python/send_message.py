"""Sends a signed text message with Python's standard library only, and prints the HTTP status
and the answer. Exit status 0 when the API answered 2xx.

  JOINCHAT_BASE_URL    default http://127.0.0.1:3000 (local mode)
  JOINCHAT_PAGE_ID     default 1234567890
  JOINCHAT_API_SECRET  default demo-api-secret
  JOINCHAT_PSID        the recipient's page-scoped id, default 24681357
  JOINCHAT_SIGNATURE   timestamped (default) or classic (JoinChat's: the body alone)
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request


def setting(name, default):
    return os.environ.get(name) or default


def main():
    base_url = setting("JOINCHAT_BASE_URL", "http://127.0.0.1:3000").rstrip("/")
    api_secret = setting("JOINCHAT_API_SECRET", "demo-api-secret").encode("utf-8")

    # The exact bytes that are sent are the bytes that are signed.
    body = json.dumps({
        "page_id": setting("JOINCHAT_PAGE_ID", "1234567890"),
        "recipient": {"id": setting("JOINCHAT_PSID", "24681357")},
        "message": {"template_type": "text", "text": "Hello from Python"},
    }, separators=(",", ":")).encode("utf-8")

    headers = {"content-type": "application/json"}
    if setting("JOINCHAT_SIGNATURE", "timestamped") == "classic":
        signed = body
    else:
        timestamp = str(int(time.time()))
        signed = timestamp.encode("ascii") + b"." + body
        headers["x-joinchat-timestamp"] = timestamp
    headers["x-joinchat-signature"] = base64.b64encode(
        hmac.new(api_secret, signed, hashlib.sha256).digest()).decode("ascii")

    request = urllib.request.Request(base_url + "/api/send_message", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    except urllib.error.URLError as error:
        print(f"request failed: {error.reason}", file=sys.stderr)
        return 1
    print(f"HTTP {status}")
    print(answer.decode("utf-8", errors="replace"))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
