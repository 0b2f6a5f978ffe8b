#!/usr/bin/env bash
# Runs the Python example (Python 3.8 or newer; standard library only).
exec python3 "$(dirname "${BASH_SOURCE[0]}")/send_message.py"
