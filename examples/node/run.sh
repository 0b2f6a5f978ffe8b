#!/usr/bin/env bash
# Runs the Node example (Node 18 or newer; no npm packages).
exec node "$(dirname "${BASH_SOURCE[0]}")/send_message.mjs"
