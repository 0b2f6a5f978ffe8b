#!/usr/bin/env bash
# Runs the Node callback receiver (Node 18 or newer; no npm packages). Argument: the port.
exec node "$(dirname "${BASH_SOURCE[0]}")/receive_callbacks.mjs" "$@"
