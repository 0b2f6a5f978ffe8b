#!/usr/bin/env bash
# Runs the Python callback receiver (Python 3.8 or newer; standard library only). Argument: the port.
exec python3 "$(dirname "${BASH_SOURCE[0]}")/receive_callbacks.py" "$@"
