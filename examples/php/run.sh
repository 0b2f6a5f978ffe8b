#!/usr/bin/env bash
# Runs the PHP example (needs php with the curl extension: apt-get install php-cli php-curl).
exec php "$(dirname "${BASH_SOURCE[0]}")/send_message.php"
