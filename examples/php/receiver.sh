#!/usr/bin/env bash
# Runs the PHP callback receiver on PHP's built-in server (php-cli only). Argument: the port.
port="${1:-${JOINCHAT_RECEIVER_PORT:-4000}}"
echo "listening on http://127.0.0.1:${port}/"
exec php -S "127.0.0.1:${port}" "$(dirname "${BASH_SOURCE[0]}")/receive_callback.php"
