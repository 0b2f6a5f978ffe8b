#!/usr/bin/env bash
# Runs the Java example as a single source file (Java 11 or newer; no build, no dependencies).
exec java "$(dirname "${BASH_SOURCE[0]}")/Example.java"
