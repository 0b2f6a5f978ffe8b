#!/usr/bin/env bash
# Runs the Java callback receiver as a single source file (Java 11 or newer; no build). Argument: the port.
exec java "$(dirname "${BASH_SOURCE[0]}")/Receiver.java" "$@"
