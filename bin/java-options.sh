# Sourced by bin/local-mode and bin/bench (bash, set -euo pipefail): JAVA_OPTIONS, the flags that
# keep the launcher's JVM from warning on newer Java. DynamoDB Local loads sqlite4java's native
# library (System::load, a restricted method from Java 22 on; Java 17 accepts the flag too), and
# ElasticMQ's Pekko reads fields through sun.misc.Unsafe (a warning from Java 24 on; the flag
# exists from Java 23 on, so it is given only there). The version comes from the JDK's release file.
JAVA_OPTIONS=(--enable-native-access=ALL-UNNAMED)
java_release="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/release"
java_feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$java_release" 2>/dev/null || true)
if [[ "${java_feature:-0}" -ge 23 ]]; then
  JAVA_OPTIONS+=(--sun-misc-unsafe-memory-access=allow)
fi
