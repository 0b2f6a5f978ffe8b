#!/usr/bin/env bash
# Sends a signed text message with curl and openssl, and prints the HTTP status and the answer.
#   JOINCHAT_BASE_URL    default http://127.0.0.1:3000 (local mode)
#   JOINCHAT_PAGE_ID     default 1234567890
#   JOINCHAT_API_SECRET  default demo-api-secret
#   JOINCHAT_PSID        the recipient's page-scoped id, default 24681357
#   JOINCHAT_SIGNATURE   timestamped (default) or classic (JoinChat's: the body alone)
# Exit status 0 when the API answered 2xx.
set -euo pipefail

base_url="${JOINCHAT_BASE_URL:-http://127.0.0.1:3000}"
page_id="${JOINCHAT_PAGE_ID:-1234567890}"
api_secret="${JOINCHAT_API_SECRET:-demo-api-secret}"
psid="${JOINCHAT_PSID:-24681357}"
form="${JOINCHAT_SIGNATURE:-timestamped}"

# The exact bytes that are sent are the bytes that are signed.
body="{\"page_id\":\"${page_id}\",\"recipient\":{\"id\":\"${psid}\"},\"message\":{\"template_type\":\"text\",\"text\":\"Hello from curl\"}}"

hmac_base64() { # the data on stdin, the key as $1
  openssl dgst -sha256 -hmac "$1" -binary | base64 | tr -d '\n'
}

headers=(-H 'content-type: application/json')
if [[ "$form" == classic ]]; then
  signature="$(printf '%s' "$body" | hmac_base64 "$api_secret")"
else
  timestamp="$(date +%s)"
  signature="$(printf '%s.%s' "$timestamp" "$body" | hmac_base64 "$api_secret")"
  headers+=(-H "x-joinchat-timestamp: ${timestamp}")
fi
headers+=(-H "x-joinchat-signature: ${signature}")

response_file="$(mktemp)"
trap 'rm -f "$response_file"' EXIT
status="$(curl -sS -o "$response_file" -w '%{http_code}' -X POST "${base_url%/}/api/send_message" \
  "${headers[@]}" --data-raw "$body")"
echo "HTTP ${status}"
cat "$response_file"
echo
[[ "$status" == 2* ]]
