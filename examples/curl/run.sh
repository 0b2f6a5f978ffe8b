#!/usr/bin/env bash
# Runs the curl + openssl example (needs bash, curl and openssl).
exec bash "$(dirname "${BASH_SOURCE[0]}")/send_message.sh"
