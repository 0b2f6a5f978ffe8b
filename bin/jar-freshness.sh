# Sourced by bin/build-function-jars, bin/build-if-needed.sh and bin/bench (working directory =
# repository root): the one freshness check of the jars Maven builds, so every script agrees on what is stale.

# The build's inputs: poms, sources and resources, everywhere but in the build's outputs, which are
# each module's target/ and functions/*/lib/ (the build's own copies of the function jars).
FUNCTION_JAR_INPUTS=(pom.xml shared/core functions)
ALL_JAR_INPUTS=(pom.xml shared functions local tools bench)

# jars_are_stale INPUT... -- JAR...: true when a jar is missing, or an input file is newer than it.
jars_are_stale() {
  local inputs=() jar newer
  while [[ $# -gt 0 && "$1" != "--" ]]; do inputs+=("$1"); shift; done
  shift
  for jar in "$@"; do
    [[ -f "$jar" ]] || return 0
    newer=$(find "${inputs[@]}" \( -name target -o -path 'functions/*/lib' \) -prune -o -type f -newer "$jar" -print -quit 2>/dev/null)
    [[ -z "$newer" ]] || return 0
  done
  return 1
}
