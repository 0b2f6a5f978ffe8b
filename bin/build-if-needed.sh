# Sourced by bin/local-mode, bin/sign, bin/import-bindings and bin/pages (bash, set -euo pipefail, working
# directory = repository root). Builds the launcher, tools and function jars with Maven when one is
# missing or older than the sources.

LOCAL_JARS=(local/target/joinchat-local.jar tools/target/joinchat-tools.jar)
FUNCTION_JARS=(functions/send-api/target/send-api.jar functions/worker/target/worker.jar functions/webhook/target/webhook.jar
  functions/callbacks/target/callbacks.jar)

command -v java >/dev/null 2>&1 || { echo "java (17 or newer) is needed on the PATH" >&2; exit 1; }

# shellcheck source=jar-freshness.sh
source bin/jar-freshness.sh

if jars_are_stale "${ALL_JAR_INPUTS[@]}" -- "${LOCAL_JARS[@]}" "${FUNCTION_JARS[@]}"; then
  command -v mvn >/dev/null 2>&1 || { echo "the jars need building and mvn (Maven 3.8+) is not on the PATH" >&2; exit 1; }
  echo "Building the jars (mvn -B -q -DskipTests package)..." >&2
  mvn -B -q -DskipTests package >&2
fi
