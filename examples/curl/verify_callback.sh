#!/usr/bin/env bash
# Verifies one captured JoinChat status callback (Standard Webhooks 1.0) with bash and openssl.
# bash has no HTTP listener, so this checks a request your web server (or a test) saved:
#   verify_callback.sh <headers file> <body file>
# The headers file has "name: value" lines (as curl -D, or bin/sign --callback, writes them); the
# body file holds the raw bytes as received. It verifies webhook-signature over
# "<webhook-id>.<webhook-timestamp>.<raw body>", refuses a timestamp more than 5 minutes from this
# clock, deduplicates by webhook-id (the last 10,000, in a file) and prints one line:
#   accepted <type> <webhook-id> | duplicate <type> <webhook-id> | rejected <webhook-id> <reason>
# Exit status: 0 accepted (answer 2xx and handle it), 3 duplicate (answer 2xx, do nothing),
# 1 rejected (answer 400), 2 bad usage.
#   JOINCHAT_CALLBACK_SECRET  the page's callback_secret (whsec_...), required
#   JOINCHAT_SEEN_IDS         the file of seen ids, default ${TMPDIR:-/tmp}/joinchat-seen-webhook-ids
# Runs are not locked against each other: give concurrent callers their own lock (e.g. flock).
set -euo pipefail

headers_file="${1:?usage: verify_callback.sh <headers file> <body file>}"
body_file="${2:?usage: verify_callback.sh <headers file> <body file>}"
secret="${JOINCHAT_CALLBACK_SECRET:-}"
seen_file="${JOINCHAT_SEEN_IDS:-${TMPDIR:-/tmp}/joinchat-seen-webhook-ids}"
if [[ "$secret" != whsec_?* ]]; then
  echo "JOINCHAT_CALLBACK_SECRET must be the page's callback_secret (whsec_...)" >&2
  exit 2
fi

header() { # the value of header $1 (case-insensitive), without the CR of CRLF lines
  awk -v name="$1" '{ sub(/\r$/, "") }
    tolower(substr($0, 1, length(name) + 1)) == tolower(name) ":" { sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$headers_file"
}
id="$(header webhook-id)"
timestamp="$(header webhook-timestamp)"
signature="$(header webhook-signature)"
reject() { echo "rejected ${id:--} $1"; exit 1; }
[[ -n "$id" && -n "$timestamp" && -n "$signature" ]] || reject "missing headers"

now="$(date +%s)"
[[ "$timestamp" =~ ^[0-9]{1,12}$ ]] && (( timestamp - now <= 300 && now - timestamp <= 300 )) \
  || reject "stale timestamp"

# HMAC-SHA256 keyed with the bytes Base64-decoded after "whsec_", over id.timestamp.body (exact bytes).
key_hex="$(printf '%s' "${secret#whsec_}" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')"
expected="$({ printf '%s.%s.' "$id" "$timestamp"; cat "$body_file"; } \
  | openssl dgst -sha256 -mac HMAC -macopt "hexkey:${key_hex}" -binary | openssl base64 -A)"
# Compare HMACs of both under a fresh random key, so the comparison leaks nothing about the expected value.
blind() { printf '%s' "$1" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:${blind_key}" -r; }
blind_key="$(openssl rand -hex 32)"
expected_blind="$(blind "$expected")"
valid=false
set -f # the entries are not file patterns
for entry in $signature; do
  if [[ "$entry" == v1,* && "$(blind "${entry#v1,}")" == "$expected_blind" ]]; then
    valid=true
  fi
done
[[ "$valid" == true ]] || reject "bad signature"

type="$(grep -o '"type"[[:space:]]*:[[:space:]]*"[^"]*"' "$body_file" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')"
touch "$seen_file"
if grep -qxF -- "$id" "$seen_file"; then
  echo "duplicate ${type:-?} ${id}"
  exit 3
fi
echo "$id" >> "$seen_file"
if (( $(wc -l < "$seen_file") > 10000 )); then
  tail -n 10000 "$seen_file" > "${seen_file}.new" && mv "${seen_file}.new" "$seen_file"
fi
echo "accepted ${type:-?} ${id}"
